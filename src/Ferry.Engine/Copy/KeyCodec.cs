using System.Globalization;
using System.Text;

namespace Ferry.Engine.Copy;

/// <summary>
/// Writes key tuples (<see cref="Changes.RowValues"/> types) as plain text and reads them back with
/// their exact types, so chunk plans can be persisted by any store.
/// </summary>
public static class KeyCodec
{
    public static string? Encode(object?[]? key)
    {
        if (key is null) return null;
        var sb = new StringBuilder();
        foreach (var v in key)
        {
            if (sb.Length > 0) sb.Append('|');
            sb.Append(v switch
            {
                null => "n",
                long l => "l" + l.ToString(CultureInfo.InvariantCulture),
                ulong u => "u" + u.ToString(CultureInfo.InvariantCulture),
                string s => "s" + Convert.ToBase64String(Encoding.UTF8.GetBytes(s)),
                byte[] b => "b" + Convert.ToBase64String(b),
                DateTime d => (d.Kind == DateTimeKind.Utc ? "z" : "t") + d.Ticks.ToString(CultureInfo.InvariantCulture),
                DateOnly d => "d" + d.DayNumber.ToString(CultureInfo.InvariantCulture),
                TimeSpan t => "i" + t.Ticks.ToString(CultureInfo.InvariantCulture),
                double d => "f" + BitConverter.DoubleToInt64Bits(d).ToString(CultureInfo.InvariantCulture),
                float f => "g" + BitConverter.SingleToInt32Bits(f).ToString(CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"a key value of type {v.GetType().Name} cannot be encoded"),
            });
        }
        return sb.ToString();
    }

    public static object?[]? Decode(string? text)
    {
        if (text is null) return null;
        if (text.Length == 0) return [];
        return text.Split('|').Select(DecodeOne).ToArray();
    }

    private static object? DecodeOne(string part)
    {
        var body = part[1..];
        return part[0] switch
        {
            'n' => null,
            'l' => long.Parse(body, CultureInfo.InvariantCulture),
            'u' => ulong.Parse(body, CultureInfo.InvariantCulture),
            's' => Encoding.UTF8.GetString(Convert.FromBase64String(body)),
            'b' => Convert.FromBase64String(body),
            'z' => new DateTime(long.Parse(body, CultureInfo.InvariantCulture), DateTimeKind.Utc),
            't' => new DateTime(long.Parse(body, CultureInfo.InvariantCulture), DateTimeKind.Unspecified),
            'd' => DateOnly.FromDayNumber(int.Parse(body, CultureInfo.InvariantCulture)),
            'i' => new TimeSpan(long.Parse(body, CultureInfo.InvariantCulture)),
            'f' => BitConverter.Int64BitsToDouble(long.Parse(body, CultureInfo.InvariantCulture)),
            'g' => BitConverter.Int32BitsToSingle(int.Parse(body, CultureInfo.InvariantCulture)),
            _ => throw new FormatException($"unknown key part '{part}'"),
        };
    }
}
