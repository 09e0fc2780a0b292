using System.Globalization;
using System.Text;
using Ferry.Engine.Changes;

namespace Ferry.MySql.Writer;

/// <summary>
/// RowValues as MySQL literals for statements shown to people (correction SQL). Text goes as a hex
/// literal with a charset introducer, so no value can break out of its literal whatever it contains.
/// TIMESTAMP values are UTC: such SQL runs after <c>SET time_zone = '+00:00'</c>.
/// </summary>
public static class MySqlLiteral
{
    public static string Format(object? value) => value switch
    {
        null => "NULL",
        long or ulong or int => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => b.Length == 0 ? "''" : "X'" + Convert.ToHexString(b) + "'",
        string s => s.Length == 0 ? "''" : "_utf8mb4 X'" + Convert.ToHexString(Encoding.UTF8.GetBytes(s)) + "'",
        DateOnly d => "'" + (d.DayNumber == 0 ? "0000-00-00" : d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) + "'",
        DateTime t => "'" + (t.Ticks == 0 ? "0000-00-00 00:00:00" : t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)) + "'",
        TimeSpan t => "'" + RowValues.FormatTime(t) + "'",
        _ => throw new ArgumentException($"no literal for a {value.GetType().Name}"),
    };
}
