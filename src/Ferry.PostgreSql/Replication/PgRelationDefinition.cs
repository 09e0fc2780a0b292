using Ferry.Engine.Changes;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Schema;
using Npgsql;
using NpgsqlTypes;

namespace Ferry.PostgreSql.Replication;

/// <summary>
/// A table's definition as a pgoutput relation message gives it (names, type OIDs and modifiers in column order;
/// generated columns left out), and what changed against the definition rows followed before.
/// <para>
/// Relation messages carry no column numbers, so a rename looks exactly like a drop plus an add of a column of the
/// same type. Ferry does not guess: a change that both removes and adds columns is refused by name (the operator
/// renames or alters the destination column by hand and skips the change). Type changes are followed only where the
/// destination's own conversion gives every row the value the source's rewrite gave it (widening: int → bigint,
/// varchar(n) → text, more numeric digits, …): PostgreSQL does not log the rewritten rows, and a narrowing or
/// <c>USING</c> conversion cannot be repeated faithfully from outside.
/// </para>
/// </summary>
internal static class PgRelationDefinition
{
    /// <summary>
    /// The definition of a relation message: the catalog's when it still says the same (it carries nullability, key
    /// and generated columns), else built from the message, taking each column from <paramref name="known"/> or the
    /// catalog where name and type agree. The catalog may be ahead of the log (later DDL), never behind it.
    /// </summary>
    public static async Task<TableSchema> DescribeAsync(NpgsqlConnection c, TableName name, string[] columns, uint[] types, int[] modifiers,
        TableSchema? known, CancellationToken ct)
    {
        var catalog = await PgSchemaReader.ReadTableAsync(c, name, ct).ConfigureAwait(false);
        var described = await TypesAsync(c, types, modifiers, ct).ConfigureAwait(false);
        var list = new List<ColumnSchema>();
        for (var i = 0; i < columns.Length; i++)
        {
            var (dataType, columnType) = described[i];
            ColumnSchema? Same(TableSchema? t) => t?.Columns.FirstOrDefault(x => x.Name == columns[i] && x.ColumnType == columnType && !x.IsGenerated);
            var (precision, scale) = PgSchemaReader.PrecisionScale(dataType, modifiers[i]);
            list.Add(Same(known) ?? Same(catalog) ?? new ColumnSchema(columns[i], dataType, columnType, IsNullable: true, Precision: precision, Scale: scale));
        }
        var built = new TableSchema(name, list, [], null);
        if (catalog is not null && SameColumns(catalog, built) && catalog.Columns.Where(x => !x.IsGenerated).SequenceEqual(list)) return catalog;
        if (known is not null && SameColumns(known, built) && known.Columns.Where(x => !x.IsGenerated).SequenceEqual(list)) return known;
        var key = known?.Key is { Count: > 0 } k && k.All(n => list.Any(x => x.Name == n)) ? k
            : catalog?.Key is { Count: > 0 } ck && ck.All(n => list.Any(x => x.Name == n)) ? ck : [];
        return built with { Key = key };
    }

    /// <summary>Whether rows of both follow the same columns (generated ones are not in the log).</summary>
    public static bool SameColumns(TableSchema a, TableSchema b)
    {
        var x = a.Columns.Where(col => !col.IsGenerated).ToList();
        var y = b.Columns.Where(col => !col.IsGenerated).ToList();
        return x.Count == y.Count && x.Zip(y).All(p => p.First.Name == p.Second.Name && p.First.ColumnType == p.Second.ColumnType);
    }

    private static async Task<(string DataType, string ColumnType)[]> TypesAsync(NpgsqlConnection c, uint[] types, int[] modifiers, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN t.typname::text ELSE pg_catalog.format_type(u.oid, NULL) END,
                   pg_catalog.format_type(u.oid, u.mod)
            FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS u(oid, mod, n)
            JOIN pg_catalog.pg_type t ON t.oid = u.oid
            ORDER BY u.n
            """, c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
        cmd.Parameters.AddWithValue(modifiers);
        var result = new List<(string, string)>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) result.Add((r.GetString(0), r.GetString(1)));
        if (result.Count != types.Length)
            throw new Engine.Errors.FerryException("cdc.schema-changed", "a type named by the change log no longer exists on the source");
        return result.ToArray();
    }

    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/>: followed, or refused with the reason.</summary>
    public static async Task<DdlPlan> PlanAsync(NpgsqlConnection c, TableSchema before, TableSchema after, CancellationToken ct)
    {
        var filled = new Dictionary<string, object?>(StringComparer.Ordinal);
        var change = new ColumnChange(before, after, filled);
        var refs = new List<DdlTableRef> { new(after.Name, 0, 0) };
        DdlPlan Refused(string reason) => new(DdlKind.AlterTable, refs, $"{change.Describe()}: {reason}", change);
        var added = change.Added;
        var dropped = change.Dropped;
        if (added.Count > 0 && dropped.Count > 0)
            return Refused($"columns {string.Join(", ", dropped.Select(x => x.Name))} went and {string.Join(", ", added.Select(x => x.Name))} came in one step. " +
                           "PostgreSQL's change log gives no column numbers, so a rename cannot be told from a drop and an add, and Ferry does not guess: " +
                           "make the same change on the destination table by hand (e.g. RENAME COLUMN), then skip the change");
        if (dropped.FirstOrDefault(x => before.Key.Contains(x.Name)) is { } keyColumn)
            return Refused($"key column {keyColumn.Name} was dropped: rows can no longer be matched by key; re-create the project for this table");
        foreach (var (from, to) in change.Retyped)
            if (!Widens(from, to))
                return Refused($"column {from.Name} changed type from {from.ColumnType} to {to.ColumnType}, which is not a widening conversion: PostgreSQL rewrote " +
                               "its rows without logging them, and the destination cannot be sure to convert them the same way. Alter the destination column by hand " +
                               "(and fix its values), then skip the change, or re-create the project for this table");
        if (added.Count == 0) return new DdlPlan(DdlKind.AlterTable, refs, null, change);
        await using var cmd = new NpgsqlCommand("""
            SELECT a.attname, a.atthasmissing, d.adrelid IS NOT NULL,
                   CASE WHEN a.atthasmissing THEN (SELECT v FROM unnest(a.attmissingval::text::text[]) v LIMIT 1) END,
                   a.attnotnull AND d.adrelid IS NOT NULL AND NOT EXISTS (
                       SELECT 1 FROM regexp_matches(d.adbin::text, ':(?:func|opfunc)id (\d+)', 'g') m
                       JOIN pg_catalog.pg_proc p ON p.oid = m[1]::oid WHERE p.provolatile <> 'i'),
                   pg_catalog.pg_get_expr(d.adbin, d.adrelid)
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_class cl ON cl.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
            LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = $1 AND cl.relname = $2 AND a.attname = ANY ($3) AND NOT a.attisdropped
            """, c);
        cmd.Parameters.AddWithValue(after.Name.Database);
        cmd.Parameters.AddWithValue(after.Name.Table);
        cmd.Parameters.AddWithValue(added.Select(x => x.Name).ToArray());
        var defaults = new List<string>();
        var constant = new List<(ColumnSchema Column, string Expression)>();
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var column = after.Columns.First(x => x.Name == r.GetString(0));
                if (r.GetBoolean(1)) filled[column.Name] = r.IsDBNull(3) ? null : PgTextValue.Decode(PgWire.Of(column), r.GetString(3));
                // the stored value is gone when a later statement rewrote the table (it wrote the value into every row):
                // a NOT NULL column whose default is immutable can only hold that default in the rows that were there
                else if (r.GetBoolean(4)) constant.Add((column, r.GetString(5)));
                // a default without a stored value for existing rows: computed per row (volatile, the table was
                // rewritten) or set after the column came; either way the log does not say what existing rows hold
                else if (r.GetBoolean(2)) defaults.Add(column.Name);
            }
        }
        foreach (var (column, expression) in constant)
        {
            // the expression is the source catalog's own, of immutable functions only: evaluating it has no effect
            await using var eval = new NpgsqlCommand($"SELECT (({expression}))::text", c);
            filled[column.Name] = await eval.ExecuteScalarAsync(ct).ConfigureAwait(false) is string text ? PgTextValue.Decode(PgWire.Of(column), text) : null;
        }
        if (defaults.Count > 0)
            return Refused($"existing rows hold values in {string.Join(", ", defaults)} that the change log does not carry (a default PostgreSQL computed per row, " +
                           "such as now() or nextval(), or one set after the column was added): add the column on the destination by hand with the source's values, then skip the change");
        return new DdlPlan(DdlKind.AlterTable, refs, null, change);
    }

    /// <summary>Every value of <paramref name="from"/> converts to the same value of <paramref name="to"/>.</summary>
    private static bool Widens(ColumnSchema from, ColumnSchema to)
    {
        static int Rank(string t) => t switch { "int2" => 1, "int4" => 2, "int8" => 3, _ => 0 };
        static int? Length(string columnType)
        {
            var open = columnType.IndexOf('(');
            return open < 0 ? null : int.Parse(columnType[(open + 1)..columnType.IndexOf(')')].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        var (f, t) = (from.DataType, to.DataType);
        if (Rank(f) > 0 && Rank(t) > 0) return Rank(t) > Rank(f);
        if (Rank(f) > 0 && t == "numeric")
            return to.Precision == 0 || to.Precision - to.Scale >= Rank(f) switch { 1 => 5, 2 => 10, _ => 19 };
        if (f == "numeric" && t == "numeric")
            return to.Precision == 0 || (from.Precision != 0 && to.Scale >= from.Scale && to.Precision - to.Scale >= from.Precision - from.Scale);
        if (f == "float4" && t == "float8") return true;
        if (f is "varchar" or "text" && t == "text") return true;
        if (f is "varchar" && t is "varchar") return Length(to.ColumnType) is not { } m || (Length(from.ColumnType) is { } n && m >= n);
        if (f == "text" && t == "varchar") return Length(to.ColumnType) is null;
        if (f == "varbit" && t == "varbit") return Length(to.ColumnType) is not { } bm || (Length(from.ColumnType) is { } bn && bm >= bn);
        if (f == t && f is "timestamp" or "timestamptz" or "time" or "timetz" or "interval") return to.Precision >= from.Precision;
        if (f == t && f == "bpchar") return Length(to.ColumnType) == Length(from.ColumnType);
        return false;
    }
}
