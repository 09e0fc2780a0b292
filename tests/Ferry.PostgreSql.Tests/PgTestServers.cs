using Ferry.Engine.Connections;
using Ferry.TestSupport;
using Npgsql;

namespace Ferry.PostgreSql.Tests;

/// <summary>Per-test schemas on the shared PostgreSQL servers, dropped afterwards, and a canonical reader independent of Ferry's.</summary>
public sealed class PgTestServers : IAsyncDisposable
{
    private readonly List<(string Cs, string Sql)> _cleanup = [];

    public static ConnectionInfo Source => Info(TestServers.PgSource);
    public static ConnectionInfo Dest => Info(TestServers.PgDest);

    public static ConnectionInfo Info(string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        return new ConnectionInfo(EngineKind.PostgreSql, b.Host!, b.Port, b.Username!, b.Password!, b.Database);
    }

    /// <summary>A fresh schema name, created on the given servers and dropped afterwards (same name on both, so qualified user types match).</summary>
    public async Task<string> SchemaAsync(params string[] servers)
    {
        var schema = TestServers.UniqueName("ferry_pg").ToLowerInvariant();
        foreach (var cs in servers)
        {
            await ExecAsync(cs, $"CREATE SCHEMA \"{schema}\"");
            _cleanup.Add((cs, $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
        return schema;
    }

    public void OnDispose(string cs, string sql) => _cleanup.Add((cs, sql));

    public static async Task ExecAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SET TimeZone = 'UTC'; " + sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ScalarAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>Every row as JSON text (row_to_json), in a session with fixed settings, ordered by the key: what is compared is the server's own text.</summary>
    public static async Task<List<string>> RowsAsync(string cs, string table, string orderBy = "id")
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using (var set = new NpgsqlCommand("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'; SET lc_monetary = 'C'", c))
            await set.ExecuteNonQueryAsync();
        var rows = new List<string>();
        await using var cmd = new NpgsqlCommand($"SELECT row_to_json(__row)::text FROM {table} __row ORDER BY {orderBy}", c);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add(r.GetString(0));
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (cs, sql) in Enumerable.Reverse(_cleanup))
        {
            try { await ExecAsync(cs, sql); } catch (PostgresException) { }
        }
    }
}

internal static class AsyncList
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var i in items) list.Add(i);
        return list;
    }

    public static async IAsyncEnumerable<T> ToAsync<T>(this IEnumerable<T> items)
    {
        foreach (var i in items) yield return i;
        await Task.CompletedTask;
    }
}
