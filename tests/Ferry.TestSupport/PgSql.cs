using Npgsql;

namespace Ferry.TestSupport;

/// <summary>Plain statements against the PostgreSQL test servers, and rows read independently of Ferry's readers.</summary>
public static class PgSql
{
    public static async Task ExecAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ScalarAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>Every row as the server's own JSON text, in a session with fixed settings, ordered by <paramref name="order"/>.</summary>
    public static async Task<List<string>> RowsAsync(string cs, string schema, string table, string order, string? where = null)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using (var set = new NpgsqlCommand("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3", c))
            await set.ExecuteNonQueryAsync();
        await using var cmd = new NpgsqlCommand(
            $"SELECT row_to_json(__row)::text FROM \"{schema}\".\"{table}\" __row{(where is null ? "" : " WHERE " + where)} ORDER BY {order}", c);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await r.ReadAsync()) rows.Add(r.GetString(0));
        return rows;
    }
}
