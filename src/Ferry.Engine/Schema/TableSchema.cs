namespace Ferry.Engine.Schema;

/// <summary>A table's shape: columns in ordinal order, its row key and indexes.</summary>
/// <param name="Name">The table.</param>
/// <param name="Columns">All columns in ordinal order (row images use this order).</param>
/// <param name="Key">Names of the columns that identify a row: the primary key, else a non-null unique key; empty when there is none.</param>
/// <param name="CreateStatement">The source engine's own DDL for the table, when it has one.</param>
/// <param name="Indexes">Secondary indexes and UNIQUE / exclusion constraints (not the primary key), engine-neutral; null when not read.</param>
/// <param name="ForeignKeys">Foreign keys, engine-neutral; null when not read.</param>
/// <param name="Checks">CHECK constraints, engine-neutral; null when not read.</param>
/// <param name="Types">User-defined types (enums, domains) its columns use, in creation order; null when not read.</param>
public sealed record TableSchema(
    TableName Name,
    IReadOnlyList<ColumnSchema> Columns,
    IReadOnlyList<string> Key,
    string? CreateStatement = null,
    IReadOnlyList<IndexSchema>? Indexes = null,
    IReadOnlyList<ForeignKeySchema>? ForeignKeys = null,
    IReadOnlyList<CheckSchema>? Checks = null,
    IReadOnlyList<UserTypeSchema>? Types = null)
{
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, column, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    public int[] KeyOrdinals() => Key.Select(IndexOf).ToArray();

    /// <summary>
    /// The table cut down to <paramref name="columns"/> (kept in ordinal order). The key must be among them,
    /// since rows are matched by it; generated columns are kept only when they are named.
    /// </summary>
    public TableSchema Project(IReadOnlyCollection<string> columns)
    {
        var unknown = columns.Where(c => IndexOf(c) < 0).ToList();
        if (unknown.Count > 0)
            throw new Errors.FerryException("objects.columns-unknown",
                $"objects.columns of {Name} names column(s) {string.Join(", ", unknown)} that the table does not have");
        var missingKey = Key.Where(k => !columns.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missingKey.Count > 0)
            throw new Errors.FerryException("objects.columns-key",
                $"objects.columns of {Name} must include its key column(s) {string.Join(", ", missingKey)}: rows are matched by them");
        var kept = Columns.Where(c => columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        bool Kept(string column) => columns.Contains(column, StringComparer.OrdinalIgnoreCase);
        // indexes and foreign keys over a column left out cannot exist on the destination
        return this with
        {
            Columns = kept,
            Indexes = Indexes?.Where(i => !i.NativeOnly && i.Columns.All(c => Kept(c.Name))).ToList(),
            ForeignKeys = ForeignKeys?.Where(f => f.Columns.All(Kept)).ToList(),
        };
    }
}
