using System.Text;
using Ferry.Engine.Schema;
using Npgsql;

namespace Ferry.PostgreSql.Schema;

/// <summary>Reads schemas, tables and their definitions from the catalog (not information_schema, which hides what the user cannot write).</summary>
public static class PgSchemaReader
{
    /// <summary>Ferry's own schema on a destination, never migrated.</summary>
    public const string FerrySchema = "__ferry";

    public static async Task<IReadOnlyList<string>> ListSchemasAsync(NpgsqlConnection c, CancellationToken ct)
    {
        const string sql = """
            SELECT nspname FROM pg_catalog.pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', '__ferry')
              AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
            ORDER BY nspname
            """;
        return await StringsAsync(c, sql, null, ct).ConfigureAwait(false);
    }

    public static Task<IReadOnlyList<string>> ListTablesAsync(NpgsqlConnection c, string schema, CancellationToken ct) =>
        StringsAsync(c, """
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            ORDER BY c.relname
            """, schema, ct);

    public static Task<IReadOnlyList<string>> ListViewsAsync(NpgsqlConnection c, string schema, CancellationToken ct) =>
        StringsAsync(c, """
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'v' ORDER BY c.relname
            """, schema, ct);

    public static async Task<ViewSchema?> ReadViewAsync(NpgsqlConnection c, TableName view, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT pg_catalog.pg_get_viewdef(c.oid, true) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'v'
            """, c);
        cmd.Parameters.AddWithValue(view.Database);
        cmd.Parameters.AddWithValue(view.Table);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is string definition ? new ViewSchema(view, definition, "INVOKER") : null;
    }

    /// <summary>
    /// Columns with <c>DataType</c> = <c>pg_type.typname</c> for pg_catalog types (<c>int4</c>, <c>_int4</c> for
    /// <c>integer[]</c>, <c>timestamptz</c>) and the qualified <c>format_type</c> text for user types (enums, domains),
    /// so a user type can never pass for a built-in one; <c>ColumnType</c> = <c>format_type</c> text (qualified,
    /// since the session's search_path is pg_catalog). Key: the primary key, else the unique index over NOT NULL
    /// columns with the fewest columns (no partial or expression indexes: they do not identify every row).
    /// </summary>
    public static async Task<TableSchema?> ReadTableAsync(NpgsqlConnection c, TableName table, CancellationToken ct)
    {
        uint? oid;
        await using (var cmd = new NpgsqlCommand("""
            SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
            """, c))
        {
            cmd.Parameters.AddWithValue(table.Database);
            cmd.Parameters.AddWithValue(table.Table);
            oid = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as uint?;
        }
        if (oid is null) return null;

        var columns = new List<ColumnSchema>();
        var create = new StringBuilder("CREATE TABLE ").Append(PgIdentifier.Quote(table)).Append(" (\n");
        var numbers = new List<short>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT a.attnum, a.attname,
                   CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN t.typname::text ELSE pg_catalog.format_type(a.atttypid, NULL) END,
                   pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, a.attgenerated <> '', a.atttypmod,
                   CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname::text END,
                   CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END
            FROM pg_catalog.pg_attribute a
            LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
            WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, c))
        {
            cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid.Value);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                numbers.Add(r.GetInt16(0));
                var dataType = r.GetString(2);
                var typmod = r.GetInt32(6);
                var (precision, scale) = PrecisionScale(dataType, typmod);
                columns.Add(new ColumnSchema(r.GetString(1), dataType, r.GetString(3), r.GetBoolean(4),
                    IsGenerated: r.GetBoolean(5), Precision: precision, Scale: scale, Collation: r.IsDBNull(7) ? null : r.GetString(7)));
                var col = columns[^1];
                if (columns.Count > 1) create.Append(",\n");
                create.Append("  ").Append(PgIdentifier.Quote(col.Name)).Append(' ').Append(col.ColumnType);
                if (col.Collation is { } collation) create.Append(" COLLATE ").Append(PgIdentifier.Quote(collation));
                if (!r.IsDBNull(8)) create.Append(GeneratedPrefix).Append(r.GetString(8)).Append(GeneratedSuffix);
                if (!col.IsNullable) create.Append(" NOT NULL");
            }
        }

        var key = new List<string>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT ARRAY(SELECT k FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS u(k, o) ORDER BY o LIMIT i.indnkeyatts) FROM pg_catalog.pg_index i
            WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
              AND (i.indisprimary OR NOT EXISTS (
                    SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) AND NOT a.attnotnull))
            ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid
            LIMIT 1
            """, c))
        {
            cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid.Value);
            if (await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is short[] attnums)
                foreach (var n in attnums) key.Add(columns[numbers.IndexOf(n)].Name);
        }
        if (key.Count > 0) create.Append(",\n  PRIMARY KEY (").Append(string.Join(", ", key.Select(PgIdentifier.Quote))).Append(')');
        return new TableSchema(table, columns, key, create.Append("\n)").ToString());
    }

    private const string GeneratedPrefix = " GENERATED ALWAYS AS (";
    private const string GeneratedSuffix = ") STORED";

    /// <summary>
    /// The expression of a generated column, from the <see cref="TableSchema.CreateStatement"/> this reader wrote
    /// (one column per line, so the column's line is found by its quoted name).
    /// </summary>
    public static string? GenerationExpression(TableSchema table, string column)
    {
        if (table.CreateStatement is null) return null;
        var prefix = "  " + PgIdentifier.Quote(column) + " ";
        foreach (var line in table.CreateStatement.Split('\n'))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var start = line.IndexOf(GeneratedPrefix, StringComparison.Ordinal);
            var end = line.LastIndexOf(GeneratedSuffix, StringComparison.Ordinal);
            return start < 0 || end < start ? null : line[(start + GeneratedPrefix.Length)..end];
        }
        return null;
    }

    /// <summary>numeric(p,s) and the fractional-second digits of temporal types, from the type modifier.</summary>
    internal static (int Precision, int Scale) PrecisionScale(string dataType, int typmod) => dataType switch
    {
        "numeric" when typmod >= 4 => (((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff),
        "timestamp" or "timestamptz" or "time" or "timetz" or "interval" => (typmod >= 0 ? typmod & 0xffff : 6, 0),
        _ => (0, 0),
    };

    public static async Task<long> EstimateRowsAsync(NpgsqlConnection c, TableName table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT c.reltuples::int8 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2
            """, c);
        cmd.Parameters.AddWithValue(table.Database);
        cmd.Parameters.AddWithValue(table.Table);
        // reltuples is -1 for a table never vacuumed or analyzed: unknown, not negative
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is long n ? Math.Max(0, n) : 0;
    }

    private static async Task<IReadOnlyList<string>> StringsAsync(NpgsqlConnection c, string sql, string? parameter, CancellationToken ct)
    {
        var list = new List<string>();
        await using var cmd = new NpgsqlCommand(sql, c);
        if (parameter is not null) cmd.Parameters.AddWithValue(parameter);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(r.GetString(0));
        return list;
    }
}
