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
/// <param name="Default">The column's DEFAULT expression in the source's own dialect (null: none). For a PostgreSQL serial
/// column it is the <c>nextval(…)</c> call; <paramref name="Sequence"/> names the sequence.</param>
/// <param name="Identity">How the engine numbers new rows: <c>ALWAYS</c> or <c>BY DEFAULT</c> (a PostgreSQL identity column),
/// <c>SERIAL</c> (a PostgreSQL DEFAULT nextval of a sequence), <c>AUTO_INCREMENT</c> (MySQL family); null: it does not.</param>
/// <param name="Sequence">PostgreSQL: the sequence behind an identity or serial column.</param>
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
    string? Collation = null,
    string? Default = null,
    string? Identity = null,
    TableName? Sequence = null)
{
    public const string IdentityAlways = "ALWAYS";
    public const string IdentityByDefault = "BY DEFAULT";
    public const string IdentitySerial = "SERIAL";
    public const string IdentityAutoIncrement = "AUTO_INCREMENT";
}

/// <summary>
/// Where a source table's numbering stands: the next value <paramref name="Column"/> gets from the engine
/// (MySQL AUTO_INCREMENT counter; PostgreSQL sequence, from last_value and is_called), set on the destination at switchover.
/// </summary>
/// <param name="Identity">The column's <see cref="ColumnSchema.Identity"/> on the source.</param>
/// <param name="Sequence">PostgreSQL: the source's sequence.</param>
public sealed record IdentityValue(string Column, long Next, string Identity, TableName? Sequence = null);
