using System.Globalization;
using System.Text;

namespace Ferry.Engine.Changes;

/// <summary>
/// The CLR representation every reader produces and every writer accepts, so the snapshot
/// path and the log path hand writers identical values:
/// <list type="bullet">
/// <item>NULL: <c>null</c>.</item>
/// <item>signed integers (TINYINT..BIGINT, YEAR): <see cref="long"/>; unsigned integers and BIT: <see cref="ulong"/>.</item>
/// <item>DECIMAL/NUMERIC: <see cref="string"/> in plain notation with exactly the column's scale (e.g. <c>-12.50</c>), because DECIMAL(65,30) does not fit <see cref="decimal"/>.</item>
/// <item>FLOAT: <see cref="float"/>; DOUBLE: <see cref="double"/>.</item>
/// <item>DATE: <see cref="DateOnly"/>; DATETIME: <see cref="DateTime"/> (Kind Unspecified); TIMESTAMP: <see cref="DateTime"/> in UTC (Kind Utc); TIME: <see cref="TimeSpan"/>.</item>
/// <item>text (CHAR, VARCHAR, TEXT, ENUM, SET, JSON): <see cref="string"/>, decoded from the column's charset.</item>
/// <item>binary (BINARY, VARBINARY, BLOB, and text columns in the binary charset): <see cref="byte"/>[].</item>
/// </list>
/// </summary>
public static class RowValues
{
    /// <summary>
    /// A canonical text form of a value, equal for equal values whichever reader produced them;
    /// used for checksums and row comparison.
    /// </summary>
    public static string Canonical(object? value) => value switch
    {
        null => "\u2400",
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        TimeSpan t => FormatTime(t),
        byte[] b => "0x" + Convert.ToHexString(b),
        bool b => b ? "1" : "0",
        InfiniteTime inf => inf.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>TIME as <c>[-]HHH:MM:SS.ffffff</c> (hours may exceed 24).</summary>
    public static string FormatTime(TimeSpan t)
    {
        var sb = new StringBuilder();
        if (t < TimeSpan.Zero) { sb.Append('-'); t = t.Negate(); }
        sb.Append(((long)t.TotalHours).ToString("00", CultureInfo.InvariantCulture)).Append(':')
          .Append(t.Minutes.ToString("00", CultureInfo.InvariantCulture)).Append(':')
          .Append(t.Seconds.ToString("00", CultureInfo.InvariantCulture)).Append('.')
          .Append((t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>The canonical form of a whole row (or key tuple), fields separated unambiguously.</summary>
    public static string CanonicalRow(IReadOnlyList<object?> values)
    {
        var sb = new StringBuilder();
        foreach (var v in values)
        {
            var s = Canonical(v);
            sb.Append(s.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(s);
        }
        return sb.ToString();
    }
}
