using System.Collections.Concurrent;
using System.Globalization;
using Ferry.Engine.Changes;
using Ferry.Engine.Errors;
using Ferry.Engine.Mapping;
using Ferry.Engine.Schema;

namespace Ferry.PostgreSql.Writer;

/// <summary>
/// A MySQL-family table written to PostgreSQL: column types from <see cref="TypeMapping.ToPostgreSql"/>, no
/// collation (MySQL's names mean nothing to PostgreSQL; the database default applies), and every value
/// converted to the wire form of its mapped type. A value PostgreSQL cannot hold (a zero date, a TINYINT(1)
/// that is not 0 or 1, text with a NUL) is refused with an error naming table, column and value: changing it
/// silently would make the copy differ from the source.
/// </summary>
public sealed class MySqlToPostgreSqlTypeMapper : IPgTypeMapper
{
    public static readonly MySqlToPostgreSqlTypeMapper Instance = new();

    private enum Conversion { Boolean, Integer, Numeric, Real, Double, Bits, Date, Timestamp, TimestampTz, Interval, Text, Bytea, Json }

    private sealed record Plan(string Type, Conversion Conversion, PgWireKind Wire, int Width);

    // Value conversion runs per value: the type table (regular expressions) is consulted once per column.
    private readonly ConcurrentDictionary<ColumnSchema, Plan> _plans = new();

    public string ColumnType(ColumnSchema column) => PlanOf(column).Type;

    public string? Collation(ColumnSchema column) => null;

    public PgWireKind Wire(ColumnSchema column) => PlanOf(column).Wire;

    /// <summary>MySQL expressions are not PostgreSQL's: a generated column needs the operator's DDL or leaving out.</summary>
    public bool KeepsGeneratedExpressions => false;

    private Plan PlanOf(ColumnSchema column) => _plans.GetOrAdd(column, static c =>
    {
        var type = TypeMapping.ToPostgreSql(c).Type;
        var (conversion, wire) = type switch
        {
            "boolean" => (Conversion.Boolean, PgWireKind.Bool),
            "smallint" or "integer" or "bigint" => (Conversion.Integer, PgWireKind.Int),
            "real" => (Conversion.Real, PgWireKind.Float4),
            "double precision" => (Conversion.Double, PgWireKind.Float8),
            // as text: Npgsql writes DateOnly.MaxValue (9999-12-31, MySQL's last date) as infinity
            "date" => (Conversion.Date, PgWireKind.TextCast),
            "interval" => (Conversion.Interval, PgWireKind.TextCast),
            "text" => (Conversion.Text, PgWireKind.Text),
            "bytea" => (Conversion.Bytea, PgWireKind.Bytea),
            "jsonb" => (Conversion.Json, PgWireKind.TextCast),
            _ when type.StartsWith("numeric", StringComparison.Ordinal) => (Conversion.Numeric, PgWireKind.TextCast),
            _ when type.StartsWith("bit varying", StringComparison.Ordinal) => (Conversion.Bits, PgWireKind.TextCast),
            _ when type.StartsWith("timestamptz", StringComparison.Ordinal) => (Conversion.TimestampTz, PgWireKind.TimestampTz),
            _ when type.StartsWith("timestamp", StringComparison.Ordinal) => (Conversion.Timestamp, PgWireKind.Timestamp),
            _ => (Conversion.Text, PgWireKind.Text),
        };
        var open = type.IndexOf('(', StringComparison.Ordinal);
        var width = conversion == Conversion.Bits && open > 0
            ? int.Parse(type.AsSpan(open + 1, type.IndexOf(')', open) - open - 1), CultureInfo.InvariantCulture)
            : 0;
        return new Plan(type, conversion, wire, width);
    });

    public object? Value(TableSchema table, ColumnSchema column, object? value)
    {
        if (value is null) return null;
        var plan = PlanOf(column);
        return plan.Conversion switch
        {
            Conversion.Boolean => value switch
            {
                long l and (0 or 1) => l == 1,
                ulong u and (0 or 1) => u == 1,
                bool b => b,
                _ => throw Refused(table, column, value, "TINYINT(1) becomes boolean on PostgreSQL and only 0 and 1 have a boolean value; change the column to a wider type on the source or fix the row"),
            },
            Conversion.Integer => value switch
            {
                long l => l,
                ulong u when u <= long.MaxValue => (long)u,
                int i => (long)i,
                _ => throw Refused(table, column, value, $"it does not fit {plan.Type}"),
            },
            Conversion.Numeric => value switch
            {
                string s => s,
                ulong u => u.ToString(CultureInfo.InvariantCulture),
                long l => l.ToString(CultureInfo.InvariantCulture),
                _ => RowValues.Canonical(value),
            },
            Conversion.Real => value is float f ? f : Convert.ToSingle(value, CultureInfo.InvariantCulture),
            Conversion.Double => value is double d ? d : Convert.ToDouble(value, CultureInfo.InvariantCulture),
            Conversion.Bits => value is ulong bits && (plan.Width >= 64 || bits >> plan.Width == 0) ? Engine.Verify.CrossEngineValues.Bits(bits, plan.Width)
                : throw Refused(table, column, value, $"it is not a value of {plan.Width} bits"),
            Conversion.Date => value switch
            {
                DateOnly { DayNumber: 0 } => throw ZeroDate(table, column),
                DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => throw Refused(table, column, value, "a DATE value is expected"),
            },
            Conversion.Timestamp or Conversion.TimestampTz => value switch
            {
                DateTime { Ticks: 0 } => throw ZeroDate(table, column),
                DateTime dt when plan.Conversion == Conversion.TimestampTz => DateTime.SpecifyKind(dt, DateTimeKind.Utc),
                DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Unspecified),
                _ => throw Refused(table, column, value, "a date and time value is expected"),
            },
            // MySQL's [-]HHH:MM:SS.ffffff reads back as one signed span of hours: '-838:59:59' is -(838:59:59)
            Conversion.Interval => value is TimeSpan t ? RowValues.FormatTime(t)
                : throw Refused(table, column, value, "a TIME value is expected"),
            Conversion.Text or Conversion.Json => value is string s
                ? s.Contains('\0', StringComparison.Ordinal)
                    ? throw Refused(table, column, Shorten(s), "PostgreSQL text cannot hold NUL characters (U+0000); remove them on the source or leave the column out (objects.columns)")
                    : s
                : RowValues.Canonical(value),
            Conversion.Bytea => value is byte[] b ? b
                : value is string text ? System.Text.Encoding.UTF8.GetBytes(text)
                : throw Refused(table, column, value, "a binary value is expected"),
            _ => value,
        };
    }


    private static FerryException ZeroDate(TableSchema table, ColumnSchema column) =>
        new("writer.value-unsupported",
            $"{table.Name}.{column.Name} ({column.ColumnType}) holds a zero date (0000-00-00), which PostgreSQL cannot store; " +
            "fix the rows on the source (e.g. set them to NULL) or leave the column out (objects.columns), then resume");

    private static FerryException Refused(TableSchema table, ColumnSchema column, object value, string why) =>
        new("writer.value-unsupported",
            $"{table.Name}.{column.Name} ({column.ColumnType}) holds {RowValues.Canonical(value)}, which cannot be written to PostgreSQL: {why}");

    private static string Shorten(string s) => s.Length <= 60 ? s.Replace("\0", "\\0", StringComparison.Ordinal) : s[..60].Replace("\0", "\\0", StringComparison.Ordinal) + "…";
}
