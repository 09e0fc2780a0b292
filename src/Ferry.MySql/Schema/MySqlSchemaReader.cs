using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Schema;

/// <summary>Table definitions from information_schema and SHOW CREATE TABLE.</summary>
internal static class MySqlSchemaReader
{
    public static readonly string[] SystemDatabases = ["mysql", "information_schema", "performance_schema", "sys", "__ferry"];

    public static async Task<TableSchema?> ReadAsync(MySqlConnection conn, TableName table, CancellationToken ct)
    {
        var columns = new List<ColumnSchema>();
        await using (var cmd = new MySqlCommand("""
            SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, EXTRA,
                   NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION
              FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION
            """, conn))
        {
            cmd.Parameters.AddWithValue("@d", table.Database);
            cmd.Parameters.AddWithValue("@t", table.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var columnType = r.GetString(2);
                var extra = r.IsDBNull(5) ? "" : r.GetString(5);
                var dataType = r.GetString(1).ToLowerInvariant();
                columns.Add(new ColumnSchema(
                    Name: r.GetString(0),
                    DataType: dataType,
                    ColumnType: columnType,
                    IsNullable: r.GetString(3) == "YES",
                    IsUnsigned: columnType.Contains("unsigned", StringComparison.OrdinalIgnoreCase),
                    Charset: r.IsDBNull(4) ? null : r.GetString(4),
                    IsGenerated: extra.Contains("GENERATED", StringComparison.OrdinalIgnoreCase)
                                 || extra.Contains("VIRTUAL", StringComparison.OrdinalIgnoreCase)
                                 || extra.Contains("PERSISTENT", StringComparison.OrdinalIgnoreCase),
                    Precision: r.IsDBNull(8) ? (r.IsDBNull(6) ? 0 : Convert.ToInt32(r.GetValue(6))) : Convert.ToInt32(r.GetValue(8)),
                    Scale: r.IsDBNull(7) ? 0 : Convert.ToInt32(r.GetValue(7))));
            }
        }
        if (columns.Count == 0) return null;

        var key = await ReadKeyAsync(conn, table, columns, ct);
        string create;
        await using (var cmd = new MySqlCommand($"SHOW CREATE TABLE {MySqlSessions.Q(table)}", conn))
        {
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            create = r.GetString(1);
        }
        return new TableSchema(table, columns, key, create);
    }

    /// <summary>The primary key, else the first unique key whose columns are all NOT NULL.</summary>
    private static async Task<IReadOnlyList<string>> ReadKeyAsync(MySqlConnection conn, TableName table, List<ColumnSchema> columns, CancellationToken ct)
    {
        var indexes = new List<(string Name, List<string> Columns)>();
        await using var cmd = new MySqlCommand("""
            SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t AND NON_UNIQUE = 0
             ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX
            """, conn);
        cmd.Parameters.AddWithValue("@d", table.Database);
        cmd.Parameters.AddWithValue("@t", table.Table);
        var prefixed = new HashSet<string>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var name = r.GetString(0);
                if (indexes.Count == 0 || indexes[^1].Name != name) indexes.Add((name, []));
                indexes[^1].Columns.Add(r.GetString(1));
                if (!r.IsDBNull(2)) prefixed.Add(name);
            }
        }
        foreach (var (name, cols) in indexes)
        {
            if (prefixed.Contains(name)) continue;
            if (name == "PRIMARY" || cols.All(c => columns.Any(x => x.Name == c && !x.IsNullable))) return cols;
        }
        return [];
    }
}
