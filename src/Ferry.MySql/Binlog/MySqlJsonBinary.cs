using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>
/// MySQL 8's binary JSON (the JSON column type in row images) as the JSON text MySQL itself prints:
/// <c>", "</c> and <c>": "</c> separators, object keys in stored order, temporal values quoted with
/// six fractional digits. MariaDB stores JSON as text and never sends this format.
/// </summary>
public static class MySqlJsonBinary
{
    private const byte SmallObject = 0x00, LargeObject = 0x01, SmallArray = 0x02, LargeArray = 0x03, Literal = 0x04,
        Int16 = 0x05, UInt16 = 0x06, Int32 = 0x07, UInt32 = 0x08, Int64 = 0x09, UInt64 = 0x0A, Double = 0x0B, Utf8 = 0x0C, Opaque = 0x0F;

    public static string ToJson(ReadOnlySpan<byte> document)
    {
        // An empty value is what MySQL logs for a JSON null written as SQL NULL inside a partial update.
        if (document.Length == 0) return "null";
        var sb = new StringBuilder();
        Value(document[0], document[1..], sb);
        return sb.ToString();
    }

    private static void Value(byte type, ReadOnlySpan<byte> data, StringBuilder sb)
    {
        switch (type)
        {
            case SmallObject: Container(data, large: false, isObject: true, sb); break;
            case LargeObject: Container(data, large: true, isObject: true, sb); break;
            case SmallArray: Container(data, large: false, isObject: false, sb); break;
            case LargeArray: Container(data, large: true, isObject: false, sb); break;
            case Literal: sb.Append(data[0] switch { 0 => "null", 1 => "true", 2 => "false", _ => throw Bad($"literal {data[0]}") }); break;
            case Int16: sb.Append(BinaryPrimitives.ReadInt16LittleEndian(data).ToString(CultureInfo.InvariantCulture)); break;
            case UInt16: sb.Append(BinaryPrimitives.ReadUInt16LittleEndian(data).ToString(CultureInfo.InvariantCulture)); break;
            case Int32: sb.Append(BinaryPrimitives.ReadInt32LittleEndian(data).ToString(CultureInfo.InvariantCulture)); break;
            case UInt32: sb.Append(BinaryPrimitives.ReadUInt32LittleEndian(data).ToString(CultureInfo.InvariantCulture)); break;
            case Int64: sb.Append(BinaryPrimitives.ReadInt64LittleEndian(data).ToString(CultureInfo.InvariantCulture)); break;
            case UInt64: sb.Append(BinaryPrimitives.ReadUInt64LittleEndian(data).ToString(CultureInfo.InvariantCulture)); break;
            case Double: sb.Append(FormatDouble(BinaryPrimitives.ReadDoubleLittleEndian(data))); break;
            case Utf8:
            {
                var length = VarLength(data, out var used);
                Quote(Encoding.UTF8.GetString(data.Slice(used, length)), sb);
                break;
            }
            case Opaque: OpaqueValue(data, sb); break;
            default: throw Bad($"value type 0x{type:X2}");
        }
    }

    private static void Container(ReadOnlySpan<byte> data, bool large, bool isObject, StringBuilder sb)
    {
        var size = large ? 4 : 2;
        var count = Read(data, 0, large);
        var headerEnd = 2 * size;
        var keyEntry = size + 2;
        var valueEntry = 1 + size;
        var valuesStart = headerEnd + (isObject ? count * keyEntry : 0);
        sb.Append(isObject ? '{' : '[');
        for (var i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(", ");
            if (isObject)
            {
                var k = headerEnd + i * keyEntry;
                var keyOffset = Read(data, k, large);
                var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(data[(k + size)..]);
                Quote(Encoding.UTF8.GetString(data.Slice(keyOffset, keyLength)), sb);
                sb.Append(": ");
            }
            var v = valuesStart + i * valueEntry;
            var type = data[v];
            // Small scalars are stored in the entry itself instead of an offset.
            var inlined = type is Literal or Int16 or UInt16 || (large && type is Int32 or UInt32);
            if (inlined) Value(type, data.Slice(v + 1, size), sb);
            else Value(type, data[Read(data, v + 1, large)..], sb);
        }
        sb.Append(isObject ? '}' : ']');
    }

    private static int Read(ReadOnlySpan<byte> data, int at, bool large) =>
        large ? (int)BinaryPrimitives.ReadUInt32LittleEndian(data[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);

    /// <summary>Opaque values: MySQL column types embedded in JSON (decimals and temporal values), else base64 as MySQL prints them.</summary>
    private static void OpaqueValue(ReadOnlySpan<byte> data, StringBuilder sb)
    {
        var fieldType = (ColumnType)data[0];
        var length = VarLength(data[1..], out var used);
        var body = data.Slice(1 + used, length);
        switch (fieldType)
        {
            case ColumnType.NewDecimal:
            {
                var r = new ByteReader(body[2..]);
                sb.Append(ColumnDecoder.DecimalText(ref r, body[0], body[1]));
                break;
            }
            case ColumnType.Date or ColumnType.DateTime or ColumnType.Timestamp or ColumnType.Time:
                sb.Append('"').Append(Temporal(fieldType, BinaryPrimitives.ReadInt64LittleEndian(body))).Append('"');
                break;
            default:
                sb.Append("\"base64:type").Append((int)fieldType).Append(':').Append(Convert.ToBase64String(body)).Append('"');
                break;
        }
    }

    /// <summary>MySQL's packed temporal integer: (year·13+month)·32+day, then hh:mm:ss in 17 bits, microseconds in the low 24 bits.</summary>
    internal static string Temporal(ColumnType type, long packed)
    {
        var negative = packed < 0;
        if (negative) packed = -packed;
        var micros = packed % (1L << 24);
        var whole = packed >> 24;
        if (type == ColumnType.Time)
        {
            var hours = (whole >> 12) & 0x3FF;
            var text = $"{hours:00}:{(whole >> 6) & 63:00}:{whole & 63:00}.{micros:000000}";
            return negative ? "-" + text : text;
        }
        var ymd = whole >> 17;
        var hms = whole & 0x1FFFF;
        var ym = ymd >> 5;
        var date = $"{ym / 13:0000}-{ym % 13:00}-{ymd & 31:00}";
        return type == ColumnType.Date ? date : $"{date} {hms >> 12:00}:{(hms >> 6) & 63:00}:{hms & 63:00}.{micros:000000}";
    }

    private static int VarLength(ReadOnlySpan<byte> data, out int used)
    {
        var length = 0;
        for (used = 0; used < 5; used++)
        {
            length |= (data[used] & 0x7F) << (7 * used);
            if ((data[used] & 0x80) == 0) { used++; return length; }
        }
        throw Bad("variable length too long");
    }

    /// <summary>Doubles as MySQL prints them: shortest round-trip digits, exponent without '+' or leading zeros.</summary>
    private static string FormatDouble(double d)
    {
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        var e = s.IndexOf('E');
        if (e < 0) return s;
        var exponent = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
        return s[..e] + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    private static void Quote(string s, StringBuilder sb)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    private static FerryException Bad(string what) => new("binlog.json", $"malformed binary JSON: {what}");
}
