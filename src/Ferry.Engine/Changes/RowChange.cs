using Ferry.Engine.Schema;

namespace Ferry.Engine.Changes;

public enum ChangeKind
{
    Insert,
    Update,
    Delete,
}

/// <summary>
/// One row changed by a source transaction. Images hold every column of the table in ordinal
/// order (the source logs full row images), as CLR values: see <see cref="RowValues"/>.
/// </summary>
public sealed record RowChange(TableName Table, ChangeKind Kind, object?[]? Before, object?[]? After);
