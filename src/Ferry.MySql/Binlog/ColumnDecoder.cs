using System.Globalization;
using System.Text;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>Decodes one column value of a row image into its <see cref="Engine.Changes.RowValues"/> type.</summary>
internal static class ColumnDecoder
{
    private static readonly int[] DigitBytes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

    public static object Decode(ref ByteReader r, MappedColumn c)
    {
        switch (c.Type)
        {
            case ColumnType.Tiny: return c.Unsigned ? (object)(ulong)r.U8() : (long)(sbyte)r.U8();
            case ColumnType.Short: return c.Unsigned ? (object)(ulong)r.U16() : (long)(short)r.U16();
            case ColumnType.Int24:
            {
                var v = r.U24();
                return c.Unsigned ? (object)(ulong)v : (long)((int)(v << 8) >> 8);
            }
            case ColumnType.Long: return c.Unsigned ? (object)(ulong)r.U32() : (long)(int)r.U32();
            case ColumnType.LongLong: return c.Unsigned ? (object)r.U64() : (long)r.U64();
            case ColumnType.Float: return BitConverter.Int32BitsToSingle((int)r.U32());
            case ColumnType.Double: return BitConverter.Int64BitsToDouble((long)r.U64());
            case ColumnType.Year:
            {
                var y = r.U8();
                return y == 0 ? 0L : 1900L + y;
            }
            case ColumnType.Date or ColumnType.NewDate:
            {
                var v = r.U24();
                // The zero date has no CLR value; its stand-in is the one the snapshot path uses (see ZeroDate).
                return v == 0 ? DateOnly.MinValue : new DateOnly((int)(v >> 9), (int)((v >> 5) & 15), (int)(v & 31));
            }
            case ColumnType.Timestamp:
            {
                var seconds = r.U32();
                return seconds == 0 ? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) : DateTime.UnixEpoch.AddSeconds(seconds);
            }
            case ColumnType.Timestamp2:
            {
                var seconds = (long)r.UIntBE(4);
                var micros = Fraction(ref r, c.Meta);
                // TIMESTAMP's range starts at 1970-01-01 00:00:01 UTC: zero seconds is the zero timestamp.
                if (seconds == 0 && micros == 0) return DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
                return DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + micros * 10);
            }
            case ColumnType.DateTime:
            {
                var v = r.U64();
                if (v == 0) return DateTime.MinValue;
                var date = v / 1_000_000;
                var time = v % 1_000_000;
                return new DateTime((int)(date / 10000), (int)(date / 100 % 100), (int)(date % 100),
                    (int)(time / 10000), (int)(time / 100 % 100), (int)(time % 100), DateTimeKind.Unspecified);
            }
            case ColumnType.DateTime2:
            {
                var packed = (long)r.UIntBE(5) - 0x8000000000L;
                var micros = Fraction(ref r, c.Meta);
                if (packed == 0 && micros == 0) return DateTime.MinValue;
                var ymd = packed >> 17;
                var ym = ymd >> 5;
                var hms = packed & 0x1FFFF;
                return new DateTime((int)(ym / 13), (int)(ym % 13), (int)(ymd & 31), (int)(hms >> 12), (int)((hms >> 6) & 63), (int)(hms & 63),
                    DateTimeKind.Unspecified).AddTicks(micros * 10);
            }
            case ColumnType.Time:
            {
                var v = (int)(r.U24() << 8) >> 8;
                var neg = v < 0;
                v = Math.Abs(v);
                var t = new TimeSpan(v / 10000, v / 100 % 100, v % 100);
                return neg ? t.Negate() : t;
            }
            case ColumnType.Time2: return Time2(ref r, c.Meta);
            case ColumnType.NewDecimal: return DecimalText(ref r, c.Meta >> 8, c.Meta & 0xFF);
            case ColumnType.Bit:
            {
                var bytes = (c.Meta >> 8) + ((c.Meta & 0xFF) > 0 ? 1 : 0);
                return r.UIntBE(bytes);
            }
            case ColumnType.VarChar or ColumnType.VarString:
            {
                var length = c.Meta < 256 ? r.U8() : r.U16();
                return Text(r.Bytes(length), c);
            }
            case ColumnType.Blob or ColumnType.TinyBlob or ColumnType.MediumBlob or ColumnType.LongBlob or ColumnType.Geometry or ColumnType.Json:
            {
                var length = (int)r.UInt(c.Meta);
                var bytes = r.Bytes(length);
                if (c.Type == ColumnType.Geometry) return bytes.ToArray();
                if (c.Type == ColumnType.Json) return MySqlJsonBinary.ToJson(bytes);
                return Text(bytes, c);
            }
            case ColumnType.String or ColumnType.Enum or ColumnType.Set:
                return StringColumn(ref r, c);
            default:
                throw new FerryException("binlog.unsupported-type", $"column type {c.Type} in {c.Name} cannot be decoded yet");
        }
    }

    private static object StringColumn(ref ByteReader r, MappedColumn c)
    {
        switch (c.RealType)
        {
            case ColumnType.Enum:
            {
                var index = (int)r.UInt(c.Meta);
                return index == 0 ? "" : c.EnumValues is { } values && index <= values.Length ? values[index - 1]
                    : throw new FerryException("binlog.no-metadata", $"ENUM column {c.Name} needs binlog_row_metadata=FULL");
            }
            case ColumnType.Set:
            {
                var bits = r.UInt(c.Meta);
                if (c.SetValues is not { } values) throw new FerryException("binlog.no-metadata", $"SET column {c.Name} needs binlog_row_metadata=FULL");
                var sb = new StringBuilder();
                for (var i = 0; i < values.Length; i++)
                    if ((bits & (1UL << i)) != 0) sb.Append(sb.Length > 0 ? "," : "").Append(values[i]);
                return sb.ToString();
            }
            default:
            {
                var length = c.Meta < 256 ? r.U8() : r.U16();
                var bytes = r.Bytes(length);
                // the log drops BINARY(n)'s trailing 0x00 padding, which the column holds and a snapshot reads:
                // put it back so both paths give one value (a destination of another engine stores what it is given)
                if (Charsets.IsBinary(c.Collation) && bytes.Length < c.Meta)
                {
                    var padded = new byte[c.Meta];
                    bytes.CopyTo(padded);
                    return padded;
                }
                return Text(bytes, c);
            }
        }
    }

    private static object Text(ReadOnlySpan<byte> bytes, MappedColumn c) =>
        Charsets.IsBinary(c.Collation) ? bytes.ToArray() : Charsets.Decode(bytes, c.Collation < 0 ? 45 : c.Collation);

    /// <summary>Fractional seconds of TIMESTAMP2/DATETIME2 (big-endian, (fsp+1)/2 bytes) as microseconds.</summary>
    private static long Fraction(ref ByteReader r, int fsp) => fsp switch
    {
        1 or 2 => (long)r.UIntBE(1) * 10_000,
        3 or 4 => (long)r.UIntBE(2) * 100,
        5 or 6 => (long)r.UIntBE(3),
        _ => 0,
    };

    private static TimeSpan Time2(ref ByteReader r, int fsp)
    {
        long packed;
        switch (fsp)
        {
            case 1 or 2:
            {
                var intPart = (long)r.UIntBE(3) - 0x800000;
                long frac = r.U8();
                if (intPart < 0 && frac != 0) { intPart++; frac -= 0x100; }
                packed = (intPart << 24) + frac * 10_000;
                break;
            }
            case 3 or 4:
            {
                var intPart = (long)r.UIntBE(3) - 0x800000;
                var frac = (long)r.UIntBE(2);
                if (intPart < 0 && frac != 0) { intPart++; frac -= 0x10000; }
                packed = (intPart << 24) + frac * 100;
                break;
            }
            case 5 or 6:
                packed = (long)r.UIntBE(6) - 0x800000000000L;
                break;
            default:
                packed = ((long)r.UIntBE(3) - 0x800000) << 24;
                break;
        }
        var negative = packed < 0;
        if (negative) packed = -packed;
        var hms = packed >> 24;
        var micros = packed % (1L << 24);
        var t = new TimeSpan((int)((hms >> 12) & 0x3FF), (int)((hms >> 6) & 63), (int)(hms & 63)) + TimeSpan.FromTicks(micros * 10);
        return negative ? t.Negate() : t;
    }

    /// <summary>Packed DECIMAL: groups of nine digits in four big-endian bytes, the sign in the top bit, negatives inverted.</summary>
    internal static string DecimalText(ref ByteReader r, int precision, int scale)
    {
        var intDigits = precision - scale;
        int intFull = intDigits / 9, intPartial = intDigits % 9, fracFull = scale / 9, fracPartial = scale % 9;
        var size = intFull * 4 + DigitBytes[intPartial] + fracFull * 4 + DigitBytes[fracPartial];
        var bytes = r.Bytes(size).ToArray();
        var negative = (bytes[0] & 0x80) == 0;
        bytes[0] ^= 0x80;
        if (negative) for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)~bytes[i];
        var pos = 0;
        uint Group(int n)
        {
            uint v = 0;
            for (var i = 0; i < n; i++) v = (v << 8) | bytes[pos++];
            return v;
        }
        var integer = new StringBuilder();
        if (intPartial > 0) integer.Append(Group(DigitBytes[intPartial]).ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < intFull; i++) integer.Append(Group(4).ToString("D9", CultureInfo.InvariantCulture));
        var intText = integer.ToString().TrimStart('0');
        if (intText.Length == 0) intText = "0";
        var fraction = new StringBuilder();
        for (var i = 0; i < fracFull; i++) fraction.Append(Group(4).ToString("D9", CultureInfo.InvariantCulture));
        if (fracPartial > 0) fraction.Append(Group(DigitBytes[fracPartial]).ToString("D" + fracPartial, CultureInfo.InvariantCulture));
        var text = scale > 0 ? intText + "." + fraction : intText;
        var isZero = text.All(ch => ch is '0' or '.');
        return negative && !isZero ? "-" + text : text;
    }
}
