using Ferry.Engine.Changes;
using Ferry.Engine.Schema;
using NpgsqlTypes;

namespace Ferry.PostgreSql;

/// <summary>
/// How a column's values travel between PostgreSQL and Ferry, following <see cref="Engine.Changes.RowValues"/>:
/// <list type="bullet">
/// <item>int2/int4/int8 → <see cref="long"/> (read as int8).</item>
/// <item>float4 → <see cref="float"/>, float8 → <see cref="double"/> (±Infinity and NaN kept).</item>
/// <item>bool → <see cref="bool"/>; bytea → <see cref="byte"/>[].</item>
/// <item>date → <see cref="DateOnly"/>; timestamp → <see cref="DateTime"/> Unspecified; timestamptz → <see cref="DateTime"/> UTC;
/// time → <see cref="TimeSpan"/>. ±infinity become Min/MaxValue, as Npgsql maps them both ways.</item>
/// <item>text, varchar, char(n) (with its padding) → <see cref="string"/>.</item>
/// <item>everything else (numeric — exact text, so with its scale when it has one —, json/jsonb, uuid, inet/cidr,
/// macaddr, interval, money, timetz, enums, arrays, ranges, domains, user types) → <see cref="string"/>: the type's
/// own text output in a session whose settings <see cref="PgSessions"/> fixes, cast back to the type on writing.</item>
/// </list>
/// The same kinds are used by the binary COPY reader, the COPY writer, parameters, and the pgoutput text decoder.
/// </summary>
public enum PgWireKind { Int, Float4, Float8, Bool, Bytea, Date, Timestamp, TimestampTz, Time, Text, TextCast }

public static class PgWire
{
    public static PgWireKind Of(ColumnSchema col) => Of(col.DataType);

    /// <summary>By <c>pg_type.typname</c> of a pg_catalog type (user types carry their qualified name, never one of these).</summary>
    public static PgWireKind Of(string dataType) => dataType switch
    {
        "int2" or "int4" or "int8" => PgWireKind.Int,
        "float4" => PgWireKind.Float4,
        "float8" => PgWireKind.Float8,
        "bool" => PgWireKind.Bool,
        "bytea" => PgWireKind.Bytea,
        "date" => PgWireKind.Date,
        "timestamp" => PgWireKind.Timestamp,
        "timestamptz" => PgWireKind.TimestampTz,
        "time" => PgWireKind.Time,
        "text" or "varchar" or "bpchar" => PgWireKind.Text,
        _ => PgWireKind.TextCast,
    };

    /// <summary>By type OID, for pgoutput relation messages (built-in OIDs are fixed).</summary>
    public static PgWireKind OfOid(uint oid) => oid switch
    {
        20 or 21 or 23 => PgWireKind.Int,
        700 => PgWireKind.Float4,
        701 => PgWireKind.Float8,
        16 => PgWireKind.Bool,
        17 => PgWireKind.Bytea,
        1082 => PgWireKind.Date,
        1114 => PgWireKind.Timestamp,
        1184 => PgWireKind.TimestampTz,
        1083 => PgWireKind.Time,
        25 or 1043 or 1042 => PgWireKind.Text,
        _ => PgWireKind.TextCast,
    };

    public static NpgsqlDbType DbType(PgWireKind kind) => kind switch
    {
        PgWireKind.Int => NpgsqlDbType.Bigint,
        PgWireKind.Float4 => NpgsqlDbType.Real,
        PgWireKind.Float8 => NpgsqlDbType.Double,
        PgWireKind.Bool => NpgsqlDbType.Boolean,
        PgWireKind.Bytea => NpgsqlDbType.Bytea,
        PgWireKind.Date => NpgsqlDbType.Date,
        PgWireKind.Timestamp => NpgsqlDbType.Timestamp,
        PgWireKind.TimestampTz => NpgsqlDbType.TimestampTz,
        PgWireKind.Time => NpgsqlDbType.Time,
        _ => NpgsqlDbType.Text,
    };

    /// <summary>The SQL type of the wire form (temp load tables).</summary>
    public static string SqlType(PgWireKind kind) => kind switch
    {
        PgWireKind.Int => "int8",
        PgWireKind.Float4 => "float4",
        PgWireKind.Float8 => "float8",
        PgWireKind.Bool => "bool",
        PgWireKind.Bytea => "bytea",
        PgWireKind.Date => "date",
        PgWireKind.Timestamp => "timestamp",
        PgWireKind.TimestampTz => "timestamptz",
        PgWireKind.Time => "time",
        _ => "text",
    };

    /// <summary>A column read in its wire form.</summary>
    public static string Select(ColumnSchema col) => Of(col) switch
    {
        PgWireKind.Int => PgIdentifier.Quote(col.Name) + "::int8",
        PgWireKind.TextCast => PgIdentifier.Quote(col.Name) + "::text",
        _ => PgIdentifier.Quote(col.Name),
    };

    /// <summary>A wire-form expression turned into the column's own type (and collation).</summary>
    public static string ToColumnType(ColumnSchema col, string expression) =>
        $"CAST({expression} AS {col.ColumnType})" + (col.Collation is { } c ? " COLLATE " + PgIdentifier.Quote(c) : string.Empty);

    /// <summary>
    /// Key types whose values survive the wire form exactly and compare the same in SQL as in order: chunk
    /// boundaries over any other type (floats with NaN, ranges, user types with their own operators) are not split.
    /// </summary>
    public static bool Splittable(ColumnSchema col) =>
        col.DataType is "int2" or "int4" or "int8" or "numeric" or "text" or "varchar" or "bpchar" or "date" or "timestamp"
            or "timestamptz" or "time" or "uuid" or "bytea" or "bool";

    /// <summary>
    /// Values as Npgsql writes them for the wire kind (ints widened to long). Dates and timestamps go in PostgreSQL's
    /// own form (days, microseconds since 2000-01-01): Npgsql would write Min/MaxValue — the real dates 0001-01-01 and
    /// 9999-12-31 — as ±infinity. <see cref="InfiniteTime"/> is written as infinity.
    /// </summary>
    public static object Parameter(object? value, PgWireKind kind) => (value, kind) switch
    {
        (null, _) => DBNull.Value,
        (int i, _) => (long)i,
        (InfiniteTime inf, PgWireKind.Date) => inf.Negative ? int.MinValue : int.MaxValue,
        (InfiniteTime inf, PgWireKind.Timestamp or PgWireKind.TimestampTz) => inf.Negative ? long.MinValue : long.MaxValue,
        (InfiniteTime inf, _) => inf.ToString(),
        (DateOnly d, PgWireKind.Date) => d.DayNumber - Epoch.DayNumber,
        (DateTime t, PgWireKind.Timestamp or PgWireKind.TimestampTz) => (t.Ticks - EpochTicks) / TimeSpan.TicksPerMicrosecond,
        _ => value,
    };

    private static readonly DateOnly Epoch = new(2000, 1, 1);
    private static readonly long EpochTicks = new DateTime(2000, 1, 1).Ticks;

    /// <summary>A date from PostgreSQL's own form (days since 2000-01-01; int.Max/MinValue: ±infinity).</summary>
    public static object Date(int days) => days switch
    {
        int.MaxValue => InfiniteTime.Future,
        int.MinValue => InfiniteTime.Past,
        _ => Epoch.AddDays(days),
    };

    /// <summary>A timestamp from PostgreSQL's own form (microseconds since 2000-01-01; long.Max/MinValue: ±infinity).</summary>
    public static object Timestamp(long micros, DateTimeKind kind) => micros switch
    {
        long.MaxValue => InfiniteTime.Future,
        long.MinValue => InfiniteTime.Past,
        _ => new DateTime(EpochTicks + micros * TimeSpan.TicksPerMicrosecond, kind),
    };
}
