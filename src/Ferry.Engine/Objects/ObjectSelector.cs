using Ferry.Engine.Schema;

namespace Ferry.Engine.Objects;

/// <summary>A database pattern with table patterns; <c>*</c> and <c>?</c> are wildcards.</summary>
public sealed record ObjectFilter(string Database, IReadOnlyList<string> Tables);

/// <summary>
/// Decides which source tables a project moves and what they are called on the destination:
/// include/exclude patterns, then renames (<c>db</c> → <c>newdb</c>, <c>db.table</c> → <c>newdb.newtable</c>;
/// a table rename wins over its database's rename).
/// </summary>
public sealed class ObjectSelector(
    IReadOnlyList<ObjectFilter> include,
    IReadOnlyList<ObjectFilter> exclude,
    IReadOnlyDictionary<string, string> rename)
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

    private string Database(string database) =>
        rename.TryGetValue(database, out var renamed) ? renamed : database;

    private static bool Matches(ObjectFilter filter, TableName table) =>
        Wildcard.IsMatch(filter.Database, table.Database) &&
        (filter.Tables.Count == 0 || filter.Tables.Any(p => Wildcard.IsMatch(p, table.Table)));
}
