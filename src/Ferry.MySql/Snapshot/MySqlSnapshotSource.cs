using System.Runtime.CompilerServices;
using System.Text;
using Ferry.Engine.Connections;
using Ferry.Engine.Copy;
using Ferry.Engine.Schema;
using Ferry.MySql.Schema;
using MySqlConnector;

namespace Ferry.MySql.Snapshot;

/// <summary>Schema and table contents of a MySQL-family server, read in key ranges.</summary>
public sealed class MySqlSnapshotSource(ConnectionInfo connection) : ISnapshotSource
{
    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await using var cmd = new MySqlCommand("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME", conn);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var name = r.GetString(0);
            if (!MySqlSchemaReader.SystemDatabases.Contains(name, StringComparer.OrdinalIgnoreCase)) list.Add(name);
        }
        return list;
    }

    public async Task<IReadOnlyList<string>> ListTablesAsync(string database, CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await using var cmd = new MySqlCommand(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", conn);
        cmd.Parameters.AddWithValue("@d", database);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(r.GetString(0));
        return list;
    }

    public async Task<TableSchema?> ReadTableAsync(TableName table, CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        return await MySqlSchemaReader.ReadAsync(conn, table, ct);
    }

    public async Task<long> EstimateRowsAsync(TableName table, CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await using var cmd = new MySqlCommand("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t", conn);
        cmd.Parameters.AddWithValue("@d", table.Database);
        cmd.Parameters.AddWithValue("@t", table.Table);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is null or DBNull ? 0 : Convert.ToInt64(v);
    }

    public async Task<IReadOnlyList<KeyRange>> PlanChunksAsync(TableSchema table, int rowsPerChunk, CancellationToken ct)
    {
        if (table.Key.Count == 0) return [new KeyRange(null, null)];
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        var keyColumns = table.Key.Select(k => table.Columns[table.IndexOf(k)]).ToArray();
        var readers = keyColumns.Select(ValueReader.For).ToArray();
        var keyList = string.Join(", ", table.Key.Select(MySqlSessions.Q));
        var ranges = new List<KeyRange>();
        object?[]? last = null;
        while (true)
        {
            await using var cmd = new MySqlCommand { Connection = conn };
            var where = last is null ? "" : "WHERE " + KeyPredicate.Compare(table.Key, last, ">", cmd, "k");
            cmd.CommandText = $"SELECT {keyList} FROM {MySqlSessions.Q(table.Name)} {where} ORDER BY {keyList} LIMIT 1 OFFSET {rowsPerChunk - 1}";
            object?[]? bound = null;
            await using (var r = await cmd.ExecuteReaderAsync(ct))
                if (await r.ReadAsync(ct)) bound = ValueReader.ReadRow(r, readers);
            if (bound is null) break;
            ranges.Add(new KeyRange(last, bound));
            last = bound;
        }
        ranges.Add(new KeyRange(last, null));
        return ranges;
    }

    public async IAsyncEnumerable<object?[]> ReadChunkAsync(TableSchema table, KeyRange range, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await using var cmd = new MySqlCommand { Connection = conn };
        var where = new List<string>();
        if (range.After is not null) where.Add(KeyPredicate.Compare(table.Key, range.After, ">", cmd, "a"));
        if (range.UpTo is not null) where.Add(KeyPredicate.Compare(table.Key, range.UpTo, "<=", cmd, "u"));
        var sql = new StringBuilder($"SELECT {SelectList(table)} FROM {MySqlSessions.Q(table.Name)}");
        if (where.Count > 0) sql.Append(" WHERE ").Append(string.Join(" AND ", where));
        if (table.Key.Count > 0) sql.Append(" ORDER BY ").Append(string.Join(", ", table.Key.Select(MySqlSessions.Q)));
        cmd.CommandText = sql.ToString();
        var readers = table.Columns.Select(ValueReader.For).ToArray();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) yield return ValueReader.ReadRow(r, readers);
    }

    public async IAsyncEnumerable<object?[]> ReadRowsAsync(TableSchema table, IReadOnlyList<object?[]> keys, [EnumeratorCancellation] CancellationToken ct)
    {
        if (keys.Count == 0 || table.Key.Count == 0) yield break;
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        var readers = table.Columns.Select(ValueReader.For).ToArray();
        foreach (var batch in keys.Chunk(500))
        {
            await using var cmd = new MySqlCommand { Connection = conn };
            var ors = batch.Select((k, n) => KeyPredicate.Equal(table.Key, k, cmd, $"r{n}_"));
            cmd.CommandText = $"SELECT {SelectList(table)} FROM {MySqlSessions.Q(table.Name)} WHERE {string.Join(" OR ", ors)}";
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) yield return ValueReader.ReadRow(r, readers);
        }
    }

    private static string SelectList(TableSchema table) => string.Join(", ", table.Columns.Select(c => MySqlSessions.Q(c.Name)));
}
