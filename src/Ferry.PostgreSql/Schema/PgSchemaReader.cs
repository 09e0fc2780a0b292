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
                   CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
                   CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
                   a.attidentity::text,
                   COALESCE(
                     (SELECT ARRAY[sn.nspname::text, s.relname::text] FROM pg_catalog.pg_depend dep
                      JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                      JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
                      WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.refclassid = 'pg_catalog.pg_class'::regclass
                        AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype IN ('a', 'i') LIMIT 1),
                     (SELECT ARRAY[sn.nspname::text, s.relname::text] FROM pg_catalog.pg_depend dep
                      JOIN pg_catalog.pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
                      JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
                      WHERE dep.classid = 'pg_catalog.pg_attrdef'::regclass AND dep.objid = d.oid
                        AND dep.refclassid = 'pg_catalog.pg_class'::regclass LIMIT 1))
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
                var sequenceName = r.IsDBNull(11) ? null : (string[])r.GetValue(11);
                var identity = r.GetString(10) switch
                {
                    "a" => ColumnSchema.IdentityAlways,
                    "d" => ColumnSchema.IdentityByDefault,
                    _ when sequenceName is not null && !r.IsDBNull(9) => ColumnSchema.IdentitySerial,
                    _ => null,
                };
                columns.Add(new ColumnSchema(r.GetString(1), dataType, r.GetString(3), r.GetBoolean(4),
                    IsGenerated: r.GetBoolean(5), Precision: precision, Scale: scale, Collation: r.IsDBNull(7) ? null : r.GetString(7),
                    Default: r.IsDBNull(9) ? null : r.GetString(9), Identity: identity,
                    Sequence: sequenceName is null || identity is null ? null : new TableName(sequenceName[0], sequenceName[1])));
                var col = columns[^1];
                if (columns.Count > 1) create.Append(",\n");
                create.Append("  ").Append(PgIdentifier.Quote(col.Name)).Append(' ').Append(col.ColumnType);
                if (col.Collation is { } collation) create.Append(" COLLATE ").Append(PgIdentifier.Quote(collation));
                if (!r.IsDBNull(8)) create.Append(GeneratedPrefix).Append(r.GetString(8)).Append(GeneratedSuffix);
                if (col.Identity is ColumnSchema.IdentityAlways or ColumnSchema.IdentityByDefault)
                    create.Append(" GENERATED ").Append(col.Identity).Append(" AS IDENTITY");
                else if (col.Default is { } expression) create.Append(" DEFAULT ").Append(expression);
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
        return new TableSchema(table, columns, key, create.Append("\n)").ToString(),
            await ReadIndexesAsync(c, oid.Value, ct).ConfigureAwait(false),
            await ReadForeignKeysAsync(c, oid.Value, ct).ConfigureAwait(false),
            await ReadChecksAsync(c, oid.Value, ct).ConfigureAwait(false),
            await ReadTypesAsync(c, oid.Value, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Every valid index but the primary key's: plain columns with their DESC flag, or (expressions, a predicate) only
    /// the server's own definition; UNIQUE and EXCLUDE constraints as constraints.
    /// </summary>
    private static async Task<IReadOnlyList<IndexSchema>> ReadIndexesAsync(NpgsqlConnection c, uint oid, CancellationToken ct)
    {
        var list = new List<IndexSchema>();
        await using var cmd = new NpgsqlCommand("""
            SELECT ic.relname::text, i.indisunique, am.amname::text, pg_catalog.pg_get_indexdef(i.indexrelid),
                   i.indexprs IS NOT NULL OR i.indpred IS NOT NULL,
                   ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS u(k, o)
                         LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.k
                         WHERE u.o <= i.indnkeyatts ORDER BY u.o),
                   ARRAY(SELECT (u.opt & 1) = 1 FROM unnest(i.indoption::int2[]) WITH ORDINALITY AS u(opt, o) ORDER BY u.o),
                   con.contype::text, CASE WHEN con.oid IS NOT NULL THEN pg_catalog.pg_get_constraintdef(con.oid) END
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_catalog.pg_am am ON am.oid = ic.relam
            LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('u', 'x')
            WHERE i.indrelid = $1 AND NOT i.indisprimary AND i.indisvalid
            ORDER BY ic.relname
            """, c);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            var names = r.GetFieldValue<string?[]>(5);
            var desc = r.GetFieldValue<bool[]>(6);
            var constraint = r.IsDBNull(7) ? null : r.GetString(7);
            var nativeOnly = r.GetBoolean(4) || constraint == "x" || names.Any(n => n is null);
            var columns = nativeOnly ? [] : names.Select((n, k) => new IndexColumn(n!, k < desc.Length && desc[k])).ToList();
            list.Add(new IndexSchema(r.GetString(0), r.GetBoolean(1), columns, r.GetString(2), nativeOnly,
                constraint is null ? r.GetString(3) : r.GetString(8), constraint is not null));
        }
        return list;
    }

    private static string Rule(string code) => code switch
    {
        "r" => "RESTRICT", "c" => "CASCADE", "n" => "SET NULL", "d" => "SET DEFAULT", _ => "NO ACTION",
    };

    private static async Task<IReadOnlyList<ForeignKeySchema>> ReadForeignKeysAsync(NpgsqlConnection c, uint oid, CancellationToken ct)
    {
        var list = new List<ForeignKeySchema>();
        await using var cmd = new NpgsqlCommand("""
            SELECT con.conname::text,
                   ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS u(k, o)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = u.k ORDER BY u.o),
                   rn.nspname::text, rc.relname::text,
                   ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS u(k, o)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = u.k ORDER BY u.o),
                   con.confdeltype::text, con.confupdtype::text, pg_catalog.pg_get_constraintdef(con.oid),
                   pg_catalog.quote_ident(rn.nspname) || '.' || pg_catalog.quote_ident(rc.relname)
            FROM pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
            JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE con.conrelid = $1 AND con.contype = 'f'
            ORDER BY con.conname
            """, c);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
            list.Add(new ForeignKeySchema(r.GetString(0), r.GetFieldValue<string[]>(1), new TableName(r.GetString(2), r.GetString(3)),
                r.GetFieldValue<string[]>(4), Rule(r.GetString(5)), Rule(r.GetString(6)), r.GetString(7), r.GetString(8)));
        return list;
    }

    private static async Task<IReadOnlyList<CheckSchema>> ReadChecksAsync(NpgsqlConnection c, uint oid, CancellationToken ct)
    {
        var list = new List<CheckSchema>();
        await using var cmd = new NpgsqlCommand("""
            SELECT conname::text, pg_catalog.pg_get_expr(conbin, conrelid), pg_catalog.pg_get_constraintdef(oid)
            FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND contype = 'c' ORDER BY conname
            """, c);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(new CheckSchema(r.GetString(0), r.GetString(1), r.GetString(2)));
        return list;
    }

    /// <summary>The enums and domains the table's columns use (through arrays and domains too), deepest base first.</summary>
    private static async Task<IReadOnlyList<UserTypeSchema>> ReadTypesAsync(NpgsqlConnection c, uint oid, CancellationToken ct)
    {
        var found = new Dictionary<string, UserTypeSchema>();
        await using (var cmd = new NpgsqlCommand("""
            WITH RECURSIVE used(oid, depth) AS (
              SELECT DISTINCT CASE WHEN t.typelem <> 0 AND t.typcategory = 'A' THEN t.typelem ELSE t.oid END, 0
              FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
              UNION
              SELECT CASE WHEN b.typelem <> 0 AND b.typcategory = 'A' THEN b.typelem ELSE b.oid END, u.depth + 1
              FROM used u JOIN pg_catalog.pg_type t ON t.oid = u.oid JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype
              WHERE t.typtype = 'd' AND u.depth < 20
            )
            SELECT n.nspname::text, t.typname::text, t.typtype::text, pg_catalog.format_type(t.oid, NULL),
                   ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
                   CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
                   CASE WHEN t.typtype = 'd' THEN (SELECT CASE WHEN b.typnamespace = 'pg_catalog'::regnamespace THEN b.typname::text
                                                              ELSE pg_catalog.format_type(b.oid, NULL) END
                                                   FROM pg_catalog.pg_type b WHERE b.oid = t.typbasetype) END,
                   t.typtypmod, t.typnotnull,
                   ARRAY(SELECT co.conname::text FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.contype = 'c' ORDER BY co.conname),
                   ARRAY(SELECT pg_catalog.pg_get_constraintdef(co.oid) FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.contype = 'c' ORDER BY co.conname),
                   max(u.depth)
            FROM used u JOIN pg_catalog.pg_type t ON t.oid = u.oid JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            GROUP BY t.oid, n.nspname, t.typname, t.typtype, t.typbasetype, t.typtypmod, t.typnotnull
            """, c))
        {
            cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var baseData = r.IsDBNull(6) ? null : r.GetString(6);
                var (precision, scale) = baseData is null ? (0, 0) : PrecisionScale(baseData, r.GetInt32(7));
                var names = r.GetFieldValue<string[]>(9);
                var defs = r.GetFieldValue<string[]>(10);
                // pg_get_constraintdef of a domain check: CHECK (condition), the condition as pg_get_expr prints it
                var checks = names.Select((n, k) => new CheckSchema(n, StripCheck(defs[k]), defs[k])).ToList();
                found[r.GetString(3)] = new UserTypeSchema(r.GetString(0), r.GetString(1), r.GetString(2) == "e" ? "enum" : "domain", r.GetString(3),
                    r.GetFieldValue<string[]>(4), r.IsDBNull(5) ? null : r.GetString(5), baseData, precision, scale, r.GetBoolean(8), checks, r.GetInt32(11));
            }
        }
        return found.Values.OrderByDescending(t => t.Depth).ThenBy(t => t.QualifiedName, StringComparer.Ordinal).ToList();
    }

    /// <summary><c>CHECK ((a > 0)) NOT VALID</c> → <c>(a > 0)</c>.</summary>
    private static string StripCheck(string definition)
    {
        var d = definition.Trim();
        if (d.StartsWith("CHECK ", StringComparison.Ordinal)) d = d[6..].Trim();
        foreach (var suffix in new[] { " NOT VALID", " NO INHERIT" })
            if (d.EndsWith(suffix, StringComparison.Ordinal)) d = d[..^suffix.Length].TrimEnd();
        return d;
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

    /// <summary>
    /// The next value of each identity or serial column's sequence: last_value plus the increment once it has been
    /// used (is_called), else last_value itself.
    /// </summary>
    public static async Task<IReadOnlyList<IdentityValue>> ReadIdentityValuesAsync(NpgsqlConnection c, TableName table, CancellationToken ct)
    {
        var schema = await ReadTableAsync(c, table, ct).ConfigureAwait(false);
        var values = new List<IdentityValue>();
        if (schema is null) return values;
        foreach (var col in schema.Columns.Where(x => x.Sequence is not null))
        {
            var seq = col.Sequence!;
            await using var cmd = new NpgsqlCommand(
                $"SELECT s.last_value, s.is_called, p.seqincrement FROM {PgIdentifier.Quote(seq)} s, pg_catalog.pg_sequence p WHERE p.seqrelid = $1::regclass", c);
            cmd.Parameters.AddWithValue(PgIdentifier.Quote(seq));
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await r.ReadAsync(ct).ConfigureAwait(false)) continue;
            var last = r.GetInt64(0);
            var next = r.GetBoolean(1) ? last + r.GetInt64(2) : last;
            values.Add(new IdentityValue(col.Name, next, col.Identity!, seq));
        }
        return values;
    }

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
