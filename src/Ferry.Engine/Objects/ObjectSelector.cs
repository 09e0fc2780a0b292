using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Filters;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Objects;

/// <summary>A database pattern with table patterns; <c>*</c> and <c>?</c> are wildcards.</summary>
public sealed record ObjectFilter(string Database, IReadOnlyList<string> Tables);

/// <summary>
/// Decides which source tables a project moves and what they are called on the destination:
/// include/exclude patterns, then renames (<c>db</c> → <c>newdb</c>, <c>db.table</c> → <c>newdb.newtable</c>;
/// a table rename wins over its database's rename); and per table (<c>db.table</c> keys) a row filter
/// and a column subset.
/// </summary>
public sealed class ObjectSelector(
    IReadOnlyList<ObjectFilter> include,
    IReadOnlyList<ObjectFilter> exclude,
    IReadOnlyDictionary<string, string> rename,
    IReadOnlyDictionary<string, string>? filters = null,
    IReadOnlyDictionary<string, List<string>>? columns = null)
{
    public bool MayContainDatabase(string database) =>
        include.Any(f => Wildcard.IsMatch(f.Database, database));

    public bool Includes(TableName table) =>
        include.Any(f => Matches(f, table)) && !exclude.Any(f => Matches(f, table));

    public TableName Target(TableName source)
    {
        if (rename.TryGetValue($"{source.Database}.{source.Table}", out var full))
        {
            var dot = full.IndexOf('.');
            if (dot > 0) return new TableName(full[..dot], full[(dot + 1)..]);
            return new TableName(Database(source.Database), full);
        }
        return new TableName(Database(source.Database), source.Table);
    }

    /// <summary>The row filter the rules give a table, parsed; null when it has none.</summary>
    public RowFilter? Filter(TableName table) =>
        Lookup(filters, table) is { } text ? RowFilter.Parse(text) : null;

    /// <summary>The column subset the rules give a table; null when all columns move.</summary>
    public IReadOnlyList<string>? Columns(TableName table) => Lookup(columns, table);

    /// <summary>
    /// How a source table moves under these rules: target name, row filter and column subset, checked
    /// against the table's definition (every named column must exist, the key must be kept).
    /// </summary>
    public TableMapping Map(TableSchema source)
    {
        var filter = Filter(source.Name);
        if (filter is not null)
        {
            var unknown = filter.Columns.Where(c => source.IndexOf(c) < 0).ToList();
            if (unknown.Count > 0)
                throw new FerryException("objects.filter-invalid",
                    $"the filter of {source.Name} reads column(s) {string.Join(", ", unknown)} that the table does not have");
        }
        var subset = Columns(source.Name);
        return subset is null
            ? new TableMapping(source, Target(source.Name), filter)
            : new TableMapping(source.Project(subset), Target(source.Name), filter, source);
    }

    /// <summary>Rule keys (<c>db.table</c>) that name no table of <paramref name="tables"/>: most likely typing mistakes.</summary>
    public IEnumerable<string> UnmatchedTableKeys(IReadOnlyCollection<TableName> tables) =>
        (filters?.Keys ?? []).Concat(columns?.Keys ?? []).Distinct()
            .Where(k => !tables.Any(t => KeyOf(t).Equals(k, StringComparison.OrdinalIgnoreCase)));

    private static string KeyOf(TableName t) => $"{t.Database}.{t.Table}";

    private static T? Lookup<T>(IReadOnlyDictionary<string, T>? rules, TableName table) where T : class
    {
        if (rules is null || rules.Count == 0) return null;
        var key = KeyOf(table);
        if (rules.TryGetValue(key, out var exact)) return exact;
        foreach (var (k, v) in rules)
            if (k.Equals(key, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }

    private string Database(string database) =>
        rename.TryGetValue(database, out var renamed) ? renamed : database;

    private static bool Matches(ObjectFilter filter, TableName table) =>
        Wildcard.IsMatch(filter.Database, table.Database) &&
        (filter.Tables.Count == 0 || filter.Tables.Any(p => Wildcard.IsMatch(p, table.Table)));
}
