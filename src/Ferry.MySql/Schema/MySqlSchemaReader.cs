using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Schema;

/// <summary>Reads table definitions from information_schema, which reports the same on MySQL and MariaDB.</summary>
public static class MySqlSchemaReader
{
    public static readonly IReadOnlySet<string> SystemDatabases = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "mysql", "information_schema", "performance_schema", "sys", "__ferry",
    };

    public static async Task<IReadOnlyList<string>> ListDatabasesAsync(MySqlConnection c, CancellationToken ct)
    {
        var result = new List<string>();
        await using var cmd = new MySqlCommand("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME", c);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            var name = r.GetString(0);
            if (!SystemDatabases.Contains(name)) result.Add(name);
        }
        return result;
    }

    public static async Task<IReadOnlyList<string>> ListTablesAsync(MySqlConnection c, string database, CancellationToken ct)
    {
        var result = new List<string>();
        await using var cmd = new MySqlCommand(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", c);
        cmd.Parameters.AddWithValue("@d", database);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) result.Add(r.GetString(0));
        return result;
    }

    public static async Task<TableSchema?> ReadTableAsync(MySqlConnection c, TableName table, CancellationToken ct)
    {
        var columns = new List<ColumnSchema>();
        await using (var cmd = new MySqlCommand(
            """
            SELECT COLUMN_NAME, LOWER(DATA_TYPE), COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, EXTRA,
                   NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, COLLATION_NAME, COLUMN_DEFAULT
            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION
            """, c))
        {
            cmd.Parameters.AddWithValue("@d", table.Database);
            cmd.Parameters.AddWithValue("@t", table.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var dataType = r.GetString(1);
                var columnType = r.GetString(2);
                var extra = r.IsDBNull(5) ? string.Empty : r.GetString(5).ToUpperInvariant();
                // MySQL 8 reports DEFAULT_GENERATED for expression defaults: those are ordinary columns
                var generated = extra.Contains("VIRTUAL GENERATED", StringComparison.Ordinal) ||
                                extra.Contains("STORED GENERATED", StringComparison.Ordinal) ||
                                extra.Contains("PERSISTENT GENERATED", StringComparison.Ordinal);
                var precision = r.IsDBNull(8) ? (r.IsDBNull(6) ? 0 : Convert.ToInt32(r.GetValue(6))) : Convert.ToInt32(r.GetValue(8));
                var scale = r.IsDBNull(7) ? 0 : Convert.ToInt32(r.GetValue(7));
                columns.Add(new ColumnSchema(
                    r.GetString(0), dataType, columnType,
                    IsNullable: r.GetString(3) == "YES",
                    IsUnsigned: columnType.Contains("unsigned", StringComparison.OrdinalIgnoreCase),
                    Charset: r.IsDBNull(4) ? null : r.GetString(4),
                    IsGenerated: generated,
                    Precision: precision,
                    Scale: scale,
                    Collation: r.IsDBNull(9) ? null : r.GetString(9),
                    // MariaDB reports a literal default quoted ('abc'), no default as NULL, an expression as written
                    Default: generated || r.IsDBNull(10) || r.GetString(10) == "NULL" ? null : r.GetString(10),
                    Identity: extra.Contains("AUTO_INCREMENT", StringComparison.Ordinal) ? ColumnSchema.IdentityAutoIncrement : null));
            }
        }
        if (columns.Count == 0) return null;

        var key = await ReadKeyAsync(c, table, columns, ct).ConfigureAwait(false);

        string? ddl = null;
        await using (var cmd = new MySqlCommand("SHOW CREATE TABLE " + MySqlIdentifier.Quote(table), c))
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            if (await r.ReadAsync(ct).ConfigureAwait(false)) ddl = r.GetString(1);

        // MariaDB's JSON is LONGTEXT checked with json_valid(): say what it is, as MySQL does.
        if (ddl is not null)
            for (var i = 0; i < columns.Count; i++)
                if (columns[i].DataType == "longtext" && ddl.Contains($"CHECK (json_valid({MySqlIdentifier.Quote(columns[i].Name)}))", StringComparison.Ordinal))
                    columns[i] = columns[i] with { DataType = "json" };
        return new TableSchema(table, columns, key, ddl,
            await ReadIndexesAsync(c, table, ct).ConfigureAwait(false),
            await ReadForeignKeysAsync(c, table, ct).ConfigureAwait(false),
            await ReadChecksAsync(c, table, columns, ct).ConfigureAwait(false));
    }

    /// <summary>Secondary indexes from STATISTICS: column order, prefix lengths, DESC (MariaDB 10.8+, MySQL 8), FULLTEXT/SPATIAL/HASH.</summary>
    private static async Task<IReadOnlyList<IndexSchema>> ReadIndexesAsync(MySqlConnection c, TableName table, CancellationToken ct)
    {
        var rows = new List<(string Index, bool Unique, string? Column, int? Sub, bool Desc, string Type)>();
        await using (var cmd = new MySqlCommand(
            """
            SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE FROM information_schema.STATISTICS
            WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t AND INDEX_NAME <> 'PRIMARY'
            ORDER BY INDEX_NAME, SEQ_IN_INDEX
            """, c))
        {
            cmd.Parameters.AddWithValue("@d", table.Database);
            cmd.Parameters.AddWithValue("@t", table.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                rows.Add((r.GetString(0), Convert.ToInt64(r.GetValue(1)) == 0, r.IsDBNull(2) ? null : r.GetString(2),
                    r.IsDBNull(3) ? null : Convert.ToInt32(r.GetValue(3)), !r.IsDBNull(4) && r.GetString(4) == "D", r.GetString(5).ToLowerInvariant()));
        }
        return rows.GroupBy(x => x.Index, StringComparer.Ordinal).Select(g =>
        {
            var first = g.First();
            // an expression index (MySQL 8 functional key part) has no column name
            var nativeOnly = g.Any(x => x.Column is null);
            var columns = nativeOnly ? [] : g.Select(x => new IndexColumn(x.Column!, x.Desc, x.Sub)).ToList();
            return new IndexSchema(g.Key, first.Unique, columns, first.Type, nativeOnly);
        }).ToList();
    }

    private static async Task<IReadOnlyList<ForeignKeySchema>> ReadForeignKeysAsync(MySqlConnection c, TableName table, CancellationToken ct)
    {
        var rows = new List<(string Name, string Column, string RefDb, string RefTable, string RefColumn, string OnDelete, string OnUpdate)>();
        await using (var cmd = new MySqlCommand(
            """
            SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
                   rc.DELETE_RULE, rc.UPDATE_RULE
            FROM information_schema.KEY_COLUMN_USAGE k
            JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
              ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND rc.TABLE_NAME = k.TABLE_NAME
            WHERE k.TABLE_SCHEMA = @d AND k.TABLE_NAME = @t AND k.REFERENCED_TABLE_NAME IS NOT NULL
            ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION
            """, c))
        {
            cmd.Parameters.AddWithValue("@d", table.Database);
            cmd.Parameters.AddWithValue("@t", table.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                rows.Add((r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)));
        }
        return rows.GroupBy(x => x.Name, StringComparer.Ordinal).Select(g => new ForeignKeySchema(g.Key, g.Select(x => x.Column).ToList(),
            new TableName(g.First().RefDb, g.First().RefTable), g.Select(x => x.RefColumn).ToList(), g.First().OnDelete, g.First().OnUpdate)).ToList();
    }

    /// <summary>
    /// CHECK constraints (MariaDB names them per table and has CHECK_CONSTRAINTS.TABLE_NAME; MySQL 8 names them per
    /// database and has not). MariaDB's own <c>json_valid(col)</c> check of a JSON column is part of the type, not one of these.
    /// </summary>
    private static async Task<IReadOnlyList<CheckSchema>> ReadChecksAsync(MySqlConnection c, TableName table, List<ColumnSchema> columns, CancellationToken ct)
    {
        var list = new List<CheckSchema>();
        async Task ReadAsync(string sql)
        {
            await using var cmd = new MySqlCommand(sql, c);
            cmd.Parameters.AddWithValue("@d", table.Database);
            cmd.Parameters.AddWithValue("@t", table.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(new CheckSchema(r.GetString(0), r.GetString(1)));
        }
        try
        {
            await ReadAsync("SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = @d AND TABLE_NAME = @t ORDER BY CONSTRAINT_NAME").ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            list.Clear();
            await ReadAsync("""
                SELECT cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc
                JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
                WHERE tc.TABLE_SCHEMA = @d AND tc.TABLE_NAME = @t AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY cc.CONSTRAINT_NAME
                """).ConfigureAwait(false);
        }
        return list.Where(k => !columns.Any(col => col.DataType == "json" &&
            k.Expression.Replace(" ", "", StringComparison.Ordinal).Equals($"json_valid({MySqlIdentifier.Quote(col.Name)})", StringComparison.OrdinalIgnoreCase))).ToList();
    }

    /// <summary>The primary key, else the first unique key (by name) whose columns are all NOT NULL.</summary>
    private static async Task<IReadOnlyList<string>> ReadKeyAsync(MySqlConnection c, TableName table, List<ColumnSchema> columns, CancellationToken ct)
    {
        var indexes = new List<(string Index, List<string> Columns)>();
        await using (var cmd = new MySqlCommand(
            """
            SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
            WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t AND NON_UNIQUE = 0
            ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX
            """, c))
        {
            cmd.Parameters.AddWithValue("@d", table.Database);
            cmd.Parameters.AddWithValue("@t", table.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var index = r.GetString(0);
                if (indexes.Count == 0 || indexes[^1].Index != index) indexes.Add((index, []));
                indexes[^1].Columns.Add(r.GetString(1));
            }
        }
        foreach (var (index, cols) in indexes)
        {
            if (index == "PRIMARY") return cols;
            if (cols.All(col => columns.FirstOrDefault(x => string.Equals(x.Name, col, StringComparison.OrdinalIgnoreCase)) is { IsNullable: false }))
                return cols;
        }
        return [];
    }

    public static async Task<IReadOnlyList<string>> ListViewsAsync(MySqlConnection c, string database, CancellationToken ct)
    {
        var result = new List<string>();
        await using var cmd = new MySqlCommand(
            "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = @d ORDER BY TABLE_NAME", c);
        cmd.Parameters.AddWithValue("@d", database);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) result.Add(r.GetString(0));
        return result;
    }

    /// <summary>A view's query as the server stores it: every table and column name qualified with its database.</summary>
    public static async Task<ViewSchema?> ReadViewAsync(MySqlConnection c, TableName view, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand(
            "SELECT VIEW_DEFINITION, SECURITY_TYPE, CHECK_OPTION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t", c);
        cmd.Parameters.AddWithValue("@d", view.Database);
        cmd.Parameters.AddWithValue("@t", view.Table);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false)) return null;
        return new ViewSchema(view, r.GetString(0), r.GetString(1), r.GetString(2));
    }

    /// <summary>The table's AUTO_INCREMENT counter (the next id an insert without one gets), for its AUTO_INCREMENT column.</summary>
    public static async Task<IReadOnlyList<IdentityValue>> ReadIdentityValuesAsync(MySqlConnection c, TableName table, CancellationToken ct)
    {
        // MySQL 8 caches information_schema statistics; MariaDB has no such setting
        try
        {
            await using var expiry = new MySqlCommand("SET SESSION information_schema_stats_expiry = 0", c);
            await expiry.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (MySqlException) { }
        await using var cmd = new MySqlCommand(
            """
            SELECT c.COLUMN_NAME, t.AUTO_INCREMENT FROM information_schema.TABLES t
            JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
            WHERE t.TABLE_SCHEMA = @d AND t.TABLE_NAME = @t AND c.EXTRA LIKE '%auto_increment%' AND t.AUTO_INCREMENT IS NOT NULL
            """, c);
        cmd.Parameters.AddWithValue("@d", table.Database);
        cmd.Parameters.AddWithValue("@t", table.Table);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var values = new List<IdentityValue>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
            values.Add(new IdentityValue(r.GetString(0), Convert.ToInt64(r.GetValue(1)), ColumnSchema.IdentityAutoIncrement));
        return values;
    }

    public static async Task<long> EstimateRowsAsync(MySqlConnection c, TableName table, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t", c);
        cmd.Parameters.AddWithValue("@d", table.Database);
        cmd.Parameters.AddWithValue("@t", table.Table);
        var v = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return v is null or DBNull ? 0 : Convert.ToInt64(v);
    }
}
