namespace Ferry.Engine.Schema;

/// <summary>A table's shape: columns in ordinal order, its row key and indexes.</summary>
/// <param name="Name">The table.</param>
/// <param name="Columns">All columns in ordinal order (row images use this order).</param>
/// <param name="Key">Names of the columns that identify a row: the primary key, else a non-null unique key; empty when there is none.</param>
/// <param name="CreateStatement">The source engine's own DDL for the table, when it has one.</param>
public sealed record TableSchema(
    TableName Name,
    IReadOnlyList<ColumnSchema> Columns,
    IReadOnlyList<string> Key,
    string? CreateStatement = null)
{
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, column, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    public int[] KeyOrdinals() => Key.Select(IndexOf).ToArray();
}
