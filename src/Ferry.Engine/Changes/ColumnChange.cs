using Ferry.Engine.Schema;

namespace Ferry.Engine.Changes;

/// <summary>
/// A table's columns changed on a source whose log describes tables rather than carrying DDL text (PostgreSQL's
/// pgoutput relation messages): the definition rows followed before and the one they follow after, in the source's
/// types. Each destination alters its table to match through its own type mapping.
/// </summary>
/// <param name="Before">The definition in force until the change.</param>
/// <param name="After">The definition rows follow from the change on.</param>
/// <param name="Filled">For each added column, the value the source's existing rows hold in it (the column's default
/// at the time it was added; null when none). The log does not carry those rows, so the destination sets it itself.</param>
public sealed record ColumnChange(TableSchema Before, TableSchema After, IReadOnlyDictionary<string, object?> Filled)
{
    public IReadOnlyList<ColumnSchema> Added =>
        After.Columns.Where(c => !c.IsGenerated && Find(Before, c.Name) is null).ToList();

    public IReadOnlyList<ColumnSchema> Dropped =>
        Before.Columns.Where(c => !c.IsGenerated && Find(After, c.Name) is null).ToList();

    public IReadOnlyList<(ColumnSchema From, ColumnSchema To)> Retyped =>
        Before.Columns.Where(c => !c.IsGenerated)
            .Select(c => (From: c, To: Find(After, c.Name)))
            .Where(p => p.To is not null && p.From.ColumnType != p.To.ColumnType)
            .Select(p => (p.From, p.To!)).ToList();

    /// <summary>Names compare exactly: PostgreSQL's are case-sensitive.</summary>
    private static ColumnSchema? Find(TableSchema table, string name) => table.Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>What changed, for events and errors.</summary>
    public string Describe()
    {
        var parts = Added.Select(c => $"added {c.Name} {c.ColumnType}")
            .Concat(Dropped.Select(c => $"dropped {c.Name}"))
            .Concat(Retyped.Select(r => $"{r.From.Name} {r.From.ColumnType} → {r.To.ColumnType}"));
        return $"columns of {After.Name} changed: {string.Join(", ", parts)}";
    }
}
