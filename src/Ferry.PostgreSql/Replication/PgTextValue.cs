using Ferry.Engine.Changes;
using System.Globalization;
using Ferry.Engine.Errors;

namespace Ferry.PostgreSql.Replication;

/// <summary>
/// pgoutput's text form of a value turned into its <see cref="Engine.Changes.RowValues"/> value. The walsender
/// writes values with the replication session's settings, which <see cref="PgSessions"/> fixes (UTC, ISO dates,
/// hex bytea, exact floats), so this text equals what the snapshot reader casts to text.
/// </summary>
public static class PgTextValue
{
    private static readonly string[] TimestampFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF"];

    public static object Decode(PgWireKind kind, string text) => kind switch
    {
        PgWireKind.Int => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        PgWireKind.Float4 => float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        PgWireKind.Float8 => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        PgWireKind.Bool => text == "t",
        PgWireKind.Bytea => text.StartsWith("\\x", StringComparison.Ordinal) ? Convert.FromHexString(text.AsSpan(2))
            : throw Unsupported("bytea", text),
        PgWireKind.Date => text switch
        {
            "infinity" => InfiniteTime.Future,
            "-infinity" => InfiniteTime.Past,
            _ => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw Unsupported("date", text),
        },
        PgWireKind.Timestamp => Timestamp(text, DateTimeKind.Unspecified),
        // the session's TimeZone is UTC, so the text always ends in +00
        PgWireKind.TimestampTz => Timestamp(text.EndsWith("+00", StringComparison.Ordinal) ? text[..^3] : text, DateTimeKind.Utc),
        PgWireKind.Time => text.StartsWith("24:", StringComparison.Ordinal) ? TimeSpan.FromHours(24)
            : TimeSpan.ParseExact(text, ["hh\\:mm\\:ss", "hh\\:mm\\:ss\\.FFFFFF"], CultureInfo.InvariantCulture),
        _ => text,
    };

    private static object Timestamp(string text, DateTimeKind kind) => text switch
    {
        // as the binary reader gives them (PgWire.Timestamp): a value of their own, not Min/MaxValue
        "infinity" => InfiniteTime.Future,
        "-infinity" => InfiniteTime.Past,
        _ => DateTime.TryParseExact(text, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? DateTime.SpecifyKind(d, kind) : throw Unsupported("timestamp", text),
    };

    private static FerryException Unsupported(string type, string text) =>
        new("cdc.value-unsupported", $"a {type} value of the change stream cannot be represented ({(text.Length > 40 ? text[..40] + "…" : text)}); BC dates and years past 9999 are not supported");
}
