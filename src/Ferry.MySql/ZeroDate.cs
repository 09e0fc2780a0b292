namespace Ferry.MySql;

/// <summary>
/// MySQL's zero date ('0000-00-00', allowed unless sql_mode has NO_ZERO_DATE) has no CLR value; the
/// driver reads it as <see cref="DateTime.MinValue"/> (ConvertZeroDateTime), which lies outside MySQL's
/// supported range, so Ferry writes that value back as the zero date and such rows round-trip.
/// </summary>
public static class ZeroDate
{
    public const string DateText = "0000-00-00";
    public const string DateTimeText = "0000-00-00 00:00:00";

    /// <summary>The value to send for a parameter: zero-date stand-ins become the zero date's text.</summary>
    public static object? ToSql(object? value) => value switch
    {
        DateTime dt when dt.Ticks == 0 => DateTimeText,
        DateOnly d when d.DayNumber == 0 => DateText,
        _ => value,
    };
}
