using System.Text;
using Ferry.Engine.Schema;

namespace Ferry.MySql.Binlog;

/// <summary>One column as a TABLE_MAP event describes it, with what the optional metadata adds.</summary>
internal sealed class MappedColumn
{
    public ColumnType Type;
    /// <summary>For STRING columns, the real type (STRING, ENUM or SET).</summary>
    public ColumnType RealType;
    public int Meta;
    public bool Unsigned;
    public int Collation = -1;
    public string? Name;
    public string[]? EnumValues;
    public string[]? SetValues;
}

/// <summary>A decoded TABLE_MAP event: which table a table id means, and how its columns are encoded.</summary>
internal sealed class TableMap
{
    public required ulong TableId;
    public required TableName Table;
    public required MappedColumn[] Columns;

    public static TableMap Parse(ReadOnlySpan<byte> body, int postHeaderLength)
    {
        var r = new ByteReader(body);
        var tableId = postHeaderLength == 6 ? r.U32() : r.U48();
        r.Skip(2);
        var db = Encoding.UTF8.GetString(r.Bytes(r.U8()));
        r.Skip(1);
        var table = Encoding.UTF8.GetString(r.Bytes(r.U8()));
        r.Skip(1);
        var count = (int)r.LenEnc();
        var columns = new MappedColumn[count];
        for (var i = 0; i < count; i++) columns[i] = new MappedColumn { Type = (ColumnType)r.U8() };
        var metaLength = (int)r.LenEnc();
        var metaEnd = r.Position + metaLength;
        foreach (var c in columns)
        {
            c.RealType = c.Type;
            switch (c.Type)
            {
                case ColumnType.Float or ColumnType.Double or ColumnType.Blob or ColumnType.TinyBlob or ColumnType.MediumBlob
                    or ColumnType.LongBlob or ColumnType.Geometry or ColumnType.Json or ColumnType.Timestamp2
                    or ColumnType.DateTime2 or ColumnType.Time2:
                    c.Meta = r.U8();
                    break;
                case ColumnType.VarChar or ColumnType.VarString:
                    c.Meta = r.U16();
                    break;
                case ColumnType.Bit:
                    c.Meta = r.U8() | r.U8() << 8; // bits % 8, then bytes
                    break;
                case ColumnType.NewDecimal:
                    c.Meta = r.U8() << 8 | r.U8(); // precision, scale
                    break;
                case ColumnType.String or ColumnType.Enum or ColumnType.Set:
                    int b0 = r.U8(), b1 = r.U8();
                    if ((b0 & 0x30) != 0x30)
                    {
                        // CHAR longer than 255 bytes keeps two length bits in the type byte.
                        c.RealType = (ColumnType)(b0 | 0x30);
                        c.Meta = b1 | (((b0 & 0x30) ^ 0x30) << 4);
                    }
                    else
                    {
                        c.RealType = (ColumnType)b0;
                        c.Meta = b1;
                    }
                    break;
            }
        }
        r.Position = metaEnd;
        r.Skip((count + 7) / 8); // nullability
        ParseOptionalMetadata(ref r, columns);
        return new TableMap { TableId = tableId, Table = new TableName(db, table), Columns = columns };
    }

    private static bool IsNumeric(MappedColumn c) => c.Type is ColumnType.Tiny or ColumnType.Short or ColumnType.Int24 or ColumnType.Long
        or ColumnType.LongLong or ColumnType.NewDecimal or ColumnType.Decimal or ColumnType.Float or ColumnType.Double or ColumnType.Year;

    private static bool IsCharacter(MappedColumn c) =>
        c.Type is ColumnType.VarChar or ColumnType.VarString or ColumnType.Blob or ColumnType.TinyBlob or ColumnType.MediumBlob
            or ColumnType.LongBlob or ColumnType.Geometry
        || (c.Type == ColumnType.String && c.RealType == ColumnType.String);

    private static bool IsEnum(MappedColumn c) => c.RealType == ColumnType.Enum;
    private static bool IsSet(MappedColumn c) => c.RealType == ColumnType.Set;

    private static void ParseOptionalMetadata(ref ByteReader r, MappedColumn[] columns)
    {
        while (r.Remaining > 0)
        {
            var type = r.U8();
            var length = (int)r.LenEnc();
            var end = r.Position + length;
            switch (type)
            {
                case 1: // signedness, one bit per numeric column, most significant first
                {
                    var numeric = columns.Where(IsNumeric).ToArray();
                    var bits = r.Bytes(length);
                    for (var i = 0; i < numeric.Length; i++) numeric[i].Unsigned = (bits[i / 8] & (0x80 >> (i % 8))) != 0;
                    break;
                }
                case 2: // default charset, then (column index, collation) exceptions
                {
                    var chars = columns.Where(IsCharacter).ToArray();
                    var def = (int)r.LenEnc();
                    foreach (var c in chars) c.Collation = def;
                    while (r.Position < end)
                    {
                        var index = (int)r.LenEnc();
                        var collation = (int)r.LenEnc();
                        if (index < chars.Length) chars[index].Collation = collation;
                    }
                    break;
                }
                case 3: // a collation per character column
                    foreach (var c in columns.Where(IsCharacter))
                        if (r.Position < end) c.Collation = (int)r.LenEnc();
                    break;
                case 4: // column names
                    foreach (var c in columns) if (r.Position < end) c.Name = r.LenEncString();
                    break;
                case 5: // SET values
                    foreach (var c in columns.Where(IsSet)) if (r.Position < end) c.SetValues = ReadStrings(ref r);
                    break;
                case 6: // ENUM values
                    foreach (var c in columns.Where(IsEnum)) if (r.Position < end) c.EnumValues = ReadStrings(ref r);
                    break;
                case 10: // ENUM and SET default charset; values are decoded as UTF-8 text here
                case 11:
                default:
                    break;
            }
            r.Position = end;
        }
    }

    private static string[] ReadStrings(ref ByteReader r)
    {
        var n = (int)r.LenEnc();
        var values = new string[n];
        for (var i = 0; i < n; i++) values[i] = r.LenEncString();
        return values;
    }
}
