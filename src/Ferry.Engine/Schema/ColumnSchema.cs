namespace Ferry.Engine.Schema;

/// <summary>One column as the source engine describes it.</summary>
/// <param name="Name">Column name, case kept.</param>
/// <param name="DataType">Engine type name, lower case, without size (e.g. <c>int</c>, <c>varchar</c>, <c>datetime</c>).</param>
/// <param name="ColumnType">Full engine type (e.g. <c>int(10) unsigned</c>, <c>decimal(65,30)</c>).</param>
/// <param name="IsNullable">Whether NULL is allowed.</param>
/// <param name="IsUnsigned">Numeric column declared UNSIGNED.</param>
/// <param name="Charset">Character set of a text column; <c>binary</c> or null for non-text.</param>
/// <param name="IsGenerated">Computed by the engine (never written by Ferry).</param>
/// <param name="Precision">Fractional-second digits for temporal types, or numeric precision.</param>
/// <param name="Scale">Numeric scale.</param>
/// <param name="Collation">Collation of a text column, when the engine reports one.</param>
public sealed record ColumnSchema(
    string Name,
    string DataType,
    string ColumnType,
    bool IsNullable,
    bool IsUnsigned = false,
    string? Charset = null,
    bool IsGenerated = false,
    int Precision = 0,
    int Scale = 0,
    string? Collation = null);
