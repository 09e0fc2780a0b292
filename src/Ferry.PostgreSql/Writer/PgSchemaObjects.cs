using System.Text;
using System.Text.RegularExpressions;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;

namespace Ferry.PostgreSql.Writer;

/// <summary>
/// The schema objects of a source table in PostgreSQL's dialect: user types, indexes, foreign keys and CHECKs.
/// From PostgreSQL everything is the source's own definition with the table renamed; from the MySQL family they
/// are rendered from the engine-neutral description, and what has no PostgreSQL counterpart is left out with a
/// warning naming it (never silently), or (a condition PostgreSQL would read differently) reported as failed.
/// </summary>
public static partial class PgSchemaObjects
{
    /// <summary>One index to create (<see cref="Sql"/>) or left out with a reason (<see cref="Warning"/>; both when it changes).</summary>
    public sealed record PlannedIndex(IndexSchema Index, string? Sql, string? Warning);

    public static IReadOnlyList<string> TypeStatements(TableSchema source) =>
        (source.Types ?? []).Select(t => t.Kind == "enum"
            ? $"CREATE TYPE {PgIdentifier.Quote(t.Schema)}.{PgIdentifier.Quote(t.Name)} AS ENUM ({string.Join(", ", t.Labels.Select(Literal))})"
            : $"CREATE DOMAIN {PgIdentifier.Quote(t.Schema)}.{PgIdentifier.Quote(t.Name)} AS {t.BaseType}" + (t.NotNull ? " NOT NULL" : "") +
              string.Concat((t.Checks ?? []).Select(k => $" CONSTRAINT {PgIdentifier.Quote(k.Name)} {k.NativeDefinition}"))).ToList();

    public static string Literal(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static IReadOnlyList<PlannedIndex> Indexes(TableMapping mapping, bool sameEngine)
    {
        var source = mapping.Source;
        var target = PgIdentifier.Quote(mapping.Target);
        var list = new List<PlannedIndex>();
        foreach (var index in source.Indexes ?? [])
        {
            if (sameEngine)
            {
                if (index.Constraint)
                {
                    list.Add(new(index, $"ALTER TABLE {target} ADD CONSTRAINT {PgIdentifier.Quote(index.Name)} {index.NativeDefinition}", null));
                    continue;
                }
                var def = index.NativeDefinition ?? "";
                var at = def.IndexOf(" USING ", StringComparison.Ordinal);
                list.Add(at < 0
                    ? new(index, null, $"index {index.Name} of {source.Name} was not understood ({def}): create it yourself")
                    : new(index, $"CREATE {(index.Unique ? "UNIQUE " : "")}INDEX IF NOT EXISTS {PgIdentifier.Quote(index.Name)} ON {target}{def[at..]}", null));
                continue;
            }
            var what = $"{(index.Unique ? "unique " : "")}index {index.Name} of {source.Name}";
            if (index.Method is "fulltext" or "spatial")
            {
                list.Add(new(index, null, $"{index.Method.ToUpperInvariant()} {what} is not created on PostgreSQL, which has no such index over these types: create your own (a GIN index over to_tsvector(…), PostGIS) if you need it"));
                continue;
            }
            if (index.NativeOnly || index.Columns.Count == 0)
            {
                list.Add(new(index, null, $"{what} is over expressions in MySQL's dialect and is not created: create your own if you need it"));
                continue;
            }
            var warning = index.Columns.Any(c => c.PrefixLength is not null)
                ? $"{what} indexes a prefix of {string.Join(", ", index.Columns.Where(c => c.PrefixLength is not null).Select(c => $"{c.Name}({c.PrefixLength})"))}, which PostgreSQL cannot: it indexes whole values" +
                  (index.Unique ? " (and so is unique over whole values, weaker than the source's prefix uniqueness; it never refuses a source row)" : "")
                : null;
            // PostgreSQL index names are per schema, MySQL's per table: the table's name goes first
            var name = IndexName(mapping.Target.Table, index.Name);
            var columns = string.Join(", ", index.Columns.Select(c => PgIdentifier.Quote(c.Name) + (c.Descending ? " DESC" : "")));
            list.Add(new(index, $"CREATE {(index.Unique ? "UNIQUE " : "")}INDEX IF NOT EXISTS {PgIdentifier.Quote(name)} ON {target} ({columns})", warning));
        }
        return list;
    }

    /// <summary><c>table_index</c>, within PostgreSQL's 63 bytes (cut, with a hash of the whole to keep names apart).</summary>
    public static string IndexName(string table, string index)
    {
        var name = $"{table}_{index}";
        if (Encoding.UTF8.GetByteCount(name) <= 63) return name;
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8].ToLowerInvariant();
        var cut = name;
        while (Encoding.UTF8.GetByteCount(cut) > 54) cut = cut[..^1];
        return cut + "_" + hash;
    }

    public static IReadOnlyList<DeferredConstraint> Constraints(TableMapping mapping, Func<TableName, TableName> map, bool sameEngine)
    {
        var source = mapping.Source;
        var target = PgIdentifier.Quote(mapping.Target);
        var list = new List<DeferredConstraint>();
        foreach (var fk in source.ForeignKeys ?? [])
        {
            var parent = PgIdentifier.Quote(map(fk.Referenced));
            var native = sameEngine && fk.NativeDefinition is { } d && fk.NativeReference is { } r && d.Contains("REFERENCES " + r + "(", StringComparison.Ordinal)
                ? d.Replace("REFERENCES " + r + "(", "REFERENCES " + parent + "(", StringComparison.Ordinal)
                : null;
            var definition = native ?? $"FOREIGN KEY ({string.Join(", ", fk.Columns.Select(PgIdentifier.Quote))}) REFERENCES {parent} " +
                $"({string.Join(", ", fk.ReferencedColumns.Select(PgIdentifier.Quote))}) ON DELETE {fk.OnDelete} ON UPDATE {fk.OnUpdate}";
            list.Add(new DeferredConstraint(fk.Name, "foreignKey", $"ALTER TABLE {target} ADD CONSTRAINT {PgIdentifier.Quote(fk.Name)} {definition}"));
        }
        foreach (var check in source.Checks ?? [])
        {
            if (sameEngine)
            {
                list.Add(new DeferredConstraint(check.Name, "check", $"ALTER TABLE {target} ADD CONSTRAINT {PgIdentifier.Quote(check.Name)} {check.NativeDefinition}"));
                continue;
            }
            var translated = SqlTranslator.MySqlToPostgreSql(check.Expression);
            list.Add(translated.Sql is { } sql
                ? new DeferredConstraint(check.Name, "check", $"ALTER TABLE {target} ADD CONSTRAINT {PgIdentifier.Quote(check.Name)} CHECK ({sql})")
                : new DeferredConstraint(check.Name, "check", $"CHECK ({check.Expression})",
                    $"CHECK {check.Name} of {source.Name} is in MySQL's dialect and {translated.Problem}: add it with your own DDL (retry with ddl) or skip it"));
        }
        if (!sameEngine)
        {
            // ENUM is text on PostgreSQL (see TypeMapping): its labels are kept by a CHECK, added once the rows are in
            foreach (var col in source.Columns.Where(c => c.DataType == "enum"))
            {
                var labels = EnumLabels(col.ColumnType);
                var name = $"{col.Name}_enum";
                list.Add(new DeferredConstraint(name, "check",
                    $"ALTER TABLE {target} ADD CONSTRAINT {PgIdentifier.Quote(name)} CHECK ({PgIdentifier.Quote(col.Name)} IN ({string.Join(", ", labels.Select(Literal))}))"));
            }
        }
        return list;
    }

    /// <summary>The labels of a MySQL <c>enum('a','b''c')</c> column type.</summary>
    public static IReadOnlyList<string> EnumLabels(string columnType) =>
        Label().Matches(columnType).Select(m => m.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal)).ToList();

    [GeneratedRegex(@"'((?:[^']|'')*)'")]
    private static partial Regex Label();
}
