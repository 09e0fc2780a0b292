using System.Globalization;
using System.Text.RegularExpressions;

namespace Ferry.Engine.Verify;

/// <summary>Spellings of one value in two engines' readers, put in one form for comparison.</summary>
public static partial class CrossEngineValues
{
    /// <summary>
    /// PostgreSQL interval text (IntervalStyle <c>postgres</c>, as Ferry's sessions set it) as a span:
    /// <c>-838:59:59</c>, <c>12:00:00.5</c>, <c>1 day -02:00:00</c>. Years and months have no fixed length,
    /// so an interval holding them is not a span (false).
    /// </summary>
    public static bool TryParseInterval(string text, out TimeSpan span)
    {
        span = TimeSpan.Zero;
        var m = IntervalPattern().Match(text.Trim());
        if (!m.Success || !(m.Groups["days"].Success || m.Groups["h"].Success)) return false;
        long ticks = 0;
        if (m.Groups["days"].Success) ticks += long.Parse(m.Groups["days"].Value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerDay;
        if (m.Groups["h"].Success)
        {
            var time = long.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerHour
                       + long.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerMinute
                       + long.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond;
            if (m.Groups["f"].Success)
                time += long.Parse(m.Groups["f"].Value.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
            ticks += m.Groups["sign"].Value == "-" ? -time : time;
        }
        span = new TimeSpan(ticks);
        return true;
    }

    /// <summary>
    /// Decimal text without trailing fraction zeros (<c>1.500</c> → <c>1.5</c>, <c>2.000</c> → <c>2</c>, <c>-0.0</c> → <c>0</c>):
    /// the same number however many fraction digits its type shows. Text that is not a plain decimal is left as it is.
    /// </summary>
    public static string TrimDecimal(string text)
    {
        var s = text.Trim();
        var body = s.StartsWith('-') || s.StartsWith('+') ? s[1..] : s;
        if (body.Length == 0 || body.Count(ch => ch == '.') > 1 || !body.All(ch => char.IsAsciiDigit(ch) || ch == '.')) return text;
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var integer = (dot < 0 ? body : body[..dot]).TrimStart('0');
        var fraction = dot < 0 ? string.Empty : body[(dot + 1)..].TrimEnd('0');
        if (integer.Length == 0) integer = "0";
        var sign = s.StartsWith('-') && (integer != "0" || fraction.Length > 0) ? "-" : string.Empty;
        return sign + integer + (fraction.Length == 0 ? string.Empty : "." + fraction);
    }

    /// <summary>
    /// inet text as PostgreSQL's output function writes it: a host address without its full-length mask
    /// (<c>10.0.0.1/32</c> → <c>10.0.0.1</c>, <c>::1/128</c> → <c>::1</c>). A cast to text keeps the mask, the
    /// output function (which the change stream carries) drops it: one value, two spellings.
    /// </summary>
    public static string Inet(string text) =>
        text.EndsWith("/32", StringComparison.Ordinal) && !text.Contains(':', StringComparison.Ordinal) ? text[..^3]
        : text.EndsWith("/128", StringComparison.Ordinal) && text.Contains(':', StringComparison.Ordinal) ? text[..^4]
        : text;

    /// <summary>PostgreSQL money text in a C-locale session (<c>-$1,234.56</c>) as a plain decimal (<c>-1234.56</c>).</summary>
    public static string Money(string text) => text.Replace("$", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal).Trim();

    /// <summary><c>12:34:56.5+05:30</c> → <c>12:34:56.5</c>: timetz's time without its offset.</summary>
    public static string TimeOfTimeTz(string text)
    {
        var cut = text.IndexOfAny(['+', '-'], 1);
        return cut < 0 ? text : text[..cut];
    }

    /// <summary>An unsigned integer as a bit string of exactly <paramref name="width"/> digits, most significant first.</summary>
    public static string Bits(ulong value, int width) => Convert.ToString(unchecked((long)value), 2).PadLeft(width, '0');

    /// <summary>The first number in a type's parentheses: <c>bit varying(64)</c> → 64.</summary>
    public static int? Width(string type) =>
        WidthPattern().Match(type) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"^(?:(?<days>-?\d+) days?)?\s*(?:(?<sign>[-+]?)(?<h>\d+):(?<m>\d{2}):(?<s>\d{2})(?:\.(?<f>\d{1,9}))?)?$")]
    private static partial Regex IntervalPattern();

    [GeneratedRegex(@"\((\d+)")]
    private static partial Regex WidthPattern();
}
