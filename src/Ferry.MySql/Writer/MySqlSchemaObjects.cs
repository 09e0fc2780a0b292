using Ferry.Engine.Connections;
using Ferry.Engine.Schema;

namespace Ferry.MySql.Writer;

/// <summary>
/// A PostgreSQL table's objects in MySQL's dialect, from the engine-neutral description: enums as ENUM with the same
/// labels, domains as their base type (their CHECKs as table CHECKs), indexes, foreign keys and CHECKs. What MySQL
/// cannot have is left out with a warning naming it; a condition that would mean something else is reported failed.
/// </summary>
public static class MySqlSchemaObjects
{
    /// <summary>One index as a CREATE TABLE / ALTER TABLE ADD definition, or left out with a reason (both when it changes).</summary>
    public sealed record PlannedIndex(IndexSchema Index, string? Definition, string? Warning);

    /// <summary>Domain base types whose text form (as the PostgreSQL reader carries a domain's values) MySQL reads as the mapped type.</summary>
    private static readonly HashSet<string> TextSafeBases = new(StringComparer.Ordinal) { "int2", "int4", "int8", "numeric", "text", "varchar", "bpchar", "date" };

    /// <summary>The user type (enum or domain) a column has, resolved through domains; null for built-in types and arrays.</summary>
    public static UserTypeSchema? TypeOf(TableSchema table, ColumnSchema column) =>
        column.ColumnType.EndsWith("[]", StringComparison.Ordinal) ? null : (table.Types ?? []).FirstOrDefault(t => t.QualifiedName == column.DataType);

    /// <summary>
    /// A column of a user type as MySQL has it, or null to map it as today (its text in LONGTEXT): an enum becomes
    /// ENUM with its labels; a domain its base type when that base's text form loads as is, NOT NULL when the domain is.
    /// </summary>
    public static ColumnSchema? UserTypeColumn(TableSchema table, ColumnSchema column, Func<ColumnSchema, ColumnSchema> map)
    {
        var type = TypeOf(table, column);
        var notNull = false;
        for (var depth = 0; type is not null && depth < 20; depth++)
        {
            notNull |= type.NotNull;
            // MySQL strips trailing spaces from ENUM labels: such an enum would no longer hold its own values
            if (type.Kind == "enum" && type.Labels.Any(l => l.Length == 0 || l.EndsWith(' ')))
                return null;
            if (type.Kind == "enum")
                return new ColumnSchema(column.Name, "enum", "enum(" + string.Join(",", type.Labels.Select(l => "'" + l.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'")) + ")", column.IsNullable && !notNull);
            var baseType = type.BaseDataType ?? "";
            var next = (table.Types ?? []).FirstOrDefault(t => t.QualifiedName == baseType);
            if (next is null)
            {
                if (!TextSafeBases.Contains(baseType)) return null;
                return map(new ColumnSchema(column.Name, baseType, type.BaseType ?? baseType, column.IsNullable && !notNull,
                    Precision: type.BasePrecision, Scale: type.BaseScale)) with { IsNullable = column.IsNullable && !notNull };
            }
            type = next;
        }
        return null;
    }

    /// <summary>The domains a column's type goes through, outermost first.</summary>
    private static IEnumerable<UserTypeSchema> Domains(TableSchema table, ColumnSchema column)
    {
        var type = TypeOf(table, column);
        for (var depth = 0; type is { Kind: "domain" } && depth < 20; depth++)
        {
            yield return type;
            var baseType = type.BaseDataType;
            type = (table.Types ?? []).FirstOrDefault(t => t.QualifiedName == baseType);
        }
    }

    public static IReadOnlyList<string> TypeWarnings(TableSchema original, TableSchema shaped) =>
        original.Columns.Where(c => TypeOf(original, c) is not null && shaped.Columns[original.IndexOf(c.Name)].DataType is not "enum" &&
                                    UserTypeColumn(original, c, x => x) is null)
            .Select(c => TypeOf(original, c)!.Kind == "domain"
                ? $"column {c.Name} of {original.Name} has domain {c.DataType} over a type whose text is not loaded as is: it keeps its text ({shaped.Columns[original.IndexOf(c.Name)].ColumnType})"
                : $"column {c.Name} of {original.Name} has enum {c.DataType} with a label MySQL's ENUM cannot hold (empty or ending in a space): it keeps its text ({shaped.Columns[original.IndexOf(c.Name)].ColumnType})")
            .ToList();

    /// <summary>Indexes over the shaped (MySQL-typed) table. TEXT/BLOB columns need a prefix in MySQL.</summary>
    public static IReadOnlyList<PlannedIndex> Indexes(TableSchema original, TableSchema shaped)
    {
        var list = new List<PlannedIndex>();
        foreach (var index in original.Indexes ?? [])
        {
            var what = $"{(index.Unique ? "unique " : "")}index {index.Name} of {original.Name}";
            if (index.NativeOnly || index.Columns.Count == 0)
            {
                list.Add(new(index, null, $"{what} is over expressions, partial or an exclusion constraint ({index.NativeDefinition}), which MySQL cannot have: it is not created"));
                continue;
            }
            if (index.Method is not ("btree" or "hash"))
            {
                list.Add(new(index, null, $"{what} is a {index.Method} index, which MySQL has no counterpart for: it is not created"));
                continue;
            }
            var columns = index.Columns.Select(c => (c, shaped.Columns[shaped.IndexOf(c.Name)])).ToList();
            var unbounded = columns.Where(x => x.Item2.DataType is "longtext" or "mediumtext" or "text" or "tinytext" or "longblob" or "mediumblob" or "blob" or "tinyblob" or "json")
                .Select(x => x.c.Name).ToList();
            if (unbounded.Count > 0 && index.Unique)
            {
                // a prefix would make it stricter than the source's: two distinct values sharing a prefix would be refused
                list.Add(new(index, null, $"{what} is over {string.Join(", ", unbounded)}, which MySQL can index only by a prefix; " +
                    "a unique prefix would refuse distinct values that share it, so the index is not created (create your own if the values allow it)"));
                continue;
            }
            if (columns.Any(x => x.Item2.DataType == "json"))
            {
                list.Add(new(index, null, $"{what} is over a JSON column, which MySQL cannot index directly: it is not created"));
                continue;
            }
            var prefix = Math.Max(1, Math.Min(191, 760 / Math.Max(1, unbounded.Count)));
            var parts = columns.Select(x => MySqlIdentifier.Quote(x.c.Name) + (unbounded.Contains(x.c.Name) ? $"({prefix})" : "") + (x.c.Descending ? " DESC" : ""));
            var definition = $"{(index.Unique ? "UNIQUE KEY" : "KEY")} {MySqlIdentifier.Quote(index.Name)} ({string.Join(", ", parts)})";
            list.Add(new(index, definition, unbounded.Count > 0
                ? $"{what} is over {string.Join(", ", unbounded)}, which MySQL indexes only by a prefix: it indexes their first {prefix} characters (bytes)"
                : null));
        }
        return list;
    }

    public static IReadOnlyList<DeferredConstraint> Constraints(TableMapping mapping, Func<TableName, TableName> map)
    {
        var source = mapping.Source;
        var target = MySqlIdentifier.Quote(mapping.Target);
        var list = new List<DeferredConstraint>();
        foreach (var fk in source.ForeignKeys ?? [])
            list.Add(new DeferredConstraint(fk.Name, "foreignKey",
                $"ALTER TABLE {target} ADD CONSTRAINT {MySqlIdentifier.Quote(fk.Name)} FOREIGN KEY ({string.Join(", ", fk.Columns.Select(MySqlIdentifier.Quote))}) " +
                $"REFERENCES {MySqlIdentifier.Quote(map(fk.Referenced))} ({string.Join(", ", fk.ReferencedColumns.Select(MySqlIdentifier.Quote))}) ON DELETE {fk.OnDelete} ON UPDATE {fk.OnUpdate}"));
        void Check(string name, string expression, string what, IReadOnlyDictionary<string, string>? substitute)
        {
            var translated = SqlTranslator.PostgreSqlToMySql(expression, null, substitute);
            list.Add(translated.Sql is { } sql
                ? new DeferredConstraint(name, "check", $"ALTER TABLE {target} ADD CONSTRAINT {MySqlIdentifier.Quote(name)} CHECK ({sql})")
                : new DeferredConstraint(name, "check", $"CHECK {expression}",
                    $"{what} is in PostgreSQL's dialect and {translated.Problem}: add it with your own DDL (retry with ddl) or skip it"));
        }
        foreach (var check in source.Checks ?? [])
            Check(check.Name, check.Expression, $"CHECK {check.Name} of {source.Name}", null);
        // a domain's checks hold for its column: table CHECKs over the column
        foreach (var col in source.Columns)
            foreach (var domain in Domains(source, col))
                foreach (var check in domain.Checks ?? [])
                    if (UserTypeColumn(source, col, x => x) is null)
                        // the column keeps the domain's text: the condition would compare text, not the domain's values
                        list.Add(new DeferredConstraint($"{col.Name}_{check.Name}", "check", $"CHECK {check.Expression}",
                            $"CHECK {check.Name} of domain {domain.QualifiedName} (column {col.Name} of {source.Name}) would compare the column's text on MySQL, " +
                            "not the domain's values: add it with your own DDL (retry with ddl) or skip it"));
                    else Check($"{col.Name}_{check.Name}", check.Expression, $"CHECK {check.Name} of domain {domain.QualifiedName} (column {col.Name} of {source.Name})",
                        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["value"] = col.Name });
        return list;
    }
}
