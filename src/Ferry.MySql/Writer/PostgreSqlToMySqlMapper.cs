using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Ferry.Engine.Changes;
using Ferry.Engine.Errors;
using Ferry.Engine.Mapping;
using Ferry.Engine.Schema;
using Ferry.Engine.Verify;

namespace Ferry.MySql.Writer;

/// <summary>
/// A PostgreSQL table written to a MySQL-family destination: column types from <see cref="TypeMapping.ToMySql"/>
/// and every value (as the PostgreSQL reader gives it, see <c>PgWire</c>) converted to what the MySQL writer
/// sends for the mapped type. The table is re-described as a MySQL table (<see cref="Shape"/>) so the bulk load
/// and the apply path pick their field encodings (hex for blobs, CAST for BIT) from MySQL types.
/// A value MySQL cannot hold exactly (infinity, NaN, a numeric beyond its DECIMAL) is refused naming table,
/// column and value: rounding or clamping it would make the copy silently differ from the source.
/// </summary>
public sealed class PostgreSqlToMySqlMapper
{
    public static readonly PostgreSqlToMySqlMapper Instance = new();

    private enum Conversion { Inet, None, Boolean, Decimal, Float, Date, Timestamp, TimestampTz, Time, TimeTz, Money, Bits, BitBytes, Array, Text }

    private sealed record Plan(ColumnSchema Target, Conversion Conversion, int Precision, int Scale, int Width, PgArrayJson.Element Element);

    private readonly ConcurrentDictionary<ColumnSchema, Plan> _plans = new();
    private readonly ConditionalWeakTable<TableSchema, TableSchema> _shapes = new();

    /// <summary>The MySQL type of a PostgreSQL column, as the destination's DDL spells it.</summary>
    public string ColumnType(ColumnSchema column) => PlanOf(column).Target.ColumnType;

    /// <summary>The table as MySQL sees it: same names, nullability and key, MySQL data and column types.</summary>
    /// <remarks>
    /// A key column mapped to LONGTEXT or LONGBLOB (PostgreSQL text and bytea keys, unbounded) cannot be a MySQL key
    /// without a length: it becomes VARCHAR/VARBINARY sized so the whole key stays within InnoDB's 3072-byte index
    /// limit (768 utf8mb4 characters for one text column). A longer key value fails the load by the server's strict mode.
    /// </remarks>
    public TableSchema Shape(TableSchema table) => _shapes.GetValue(table, t =>
    {
        var keyed = t.Key.Select(k => t.Columns[t.IndexOf(k)].Name).ToHashSet(StringComparer.Ordinal);
        var bytesPerColumn = 3072 / Math.Max(1, keyed.Count);
        var columns = t.Columns.Select(c =>
        {
            // enums and domains: ENUM with the labels, or the domain's base type (values arrive as their text either way)
            var target = MySqlSchemaObjects.UserTypeColumn(t, c, b => PlanOf(b).Target) ?? PlanOf(c).Target;
            if (!keyed.Contains(c.Name)) return target;
            return target.DataType switch
            {
                "longtext" or "varchar" when target.DataType == "longtext" || (CrossEngineValues.Width(target.ColumnType) ?? 0) * 4 > bytesPerColumn =>
                    target with { DataType = "varchar", ColumnType = Invariant($"varchar({bytesPerColumn / 4})") },
                "longblob" => target with { DataType = "varbinary", ColumnType = Invariant($"varbinary({bytesPerColumn})") },
                _ => target,
            };
        }).ToList();
        return t with { Columns = columns, CreateStatement = null };
    });

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private Plan PlanOf(ColumnSchema column) => _plans.GetOrAdd(column, static c =>
    {
        var type = TypeMapping.ToMySql(c).Type;
        var open = type.IndexOf('(', StringComparison.Ordinal);
        var dataType = open < 0 ? type : type[..open];
        var args = open < 0 ? [] : type[(open + 1)..type.IndexOf(')', open)].Split(',').Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var isArray = c.ColumnType.EndsWith("[]", StringComparison.Ordinal);
        var conversion = c.DataType switch
        {
            _ when isArray => Conversion.Array,
            "bool" or "boolean" => Conversion.Boolean,
            "numeric" or "decimal" => Conversion.Decimal,
            "float4" or "float8" or "real" or "double precision" => Conversion.Float,
            "date" => Conversion.Date,
            "timestamp" => Conversion.Timestamp,
            "timestamptz" => Conversion.TimestampTz,
            "time" => Conversion.Time,
            "timetz" => Conversion.TimeTz,
            "money" => Conversion.Money,
            "inet" => Conversion.Inet,
            "bit" or "varbit" => dataType == "bit" ? Conversion.Bits : Conversion.BitBytes,
            "bytea" or "int2" or "int4" or "int8" => Conversion.None,
            _ => Conversion.Text,
        };
        var precision = dataType == "decimal" ? args[0] : 0;
        var scale = dataType == "decimal" ? args[1] : 0;
        var width = dataType == "bit" ? args[0] : 0;
        var target = new ColumnSchema(c.Name, dataType, type, c.IsNullable, Charset: dataType is "longblob" or "varbinary" ? "binary" : null,
            Precision: precision, Scale: scale, Collation: dataType is "char" or "varchar" or "longtext" ? "utf8mb4_bin" : null);
        return new Plan(target, conversion, precision, scale, width, isArray ? PgArrayJson.Of(c.DataType) : PgArrayJson.Element.Text);
    });

    /// <summary>A row of the PostgreSQL table as the MySQL writer sends it.</summary>
    public object?[] Row(TableSchema table, object?[] row)
    {
        var result = new object?[row.Length];
        for (var i = 0; i < row.Length && i < table.Columns.Count; i++) result[i] = Value(table, table.Columns[i], row[i]);
        return result;
    }

    public object? Value(TableSchema table, ColumnSchema column, object? value)
    {
        if (value is null) return null;
        var plan = PlanOf(column);
        return plan.Conversion switch
        {
            Conversion.Boolean => value is bool b ? (b ? 1L : 0L) : throw Refused(table, column, value, "a boolean is expected"),
            Conversion.Decimal => Decimal(table, column, value is string s ? s : RowValues.Canonical(value), plan),
            Conversion.Money => Decimal(table, column, CrossEngineValues.Money(value is string m ? m : RowValues.Canonical(value)), plan),
            Conversion.Float => value switch
            {
                float f when float.IsFinite(f) => f,
                double d when double.IsFinite(d) => d,
                _ => throw Refused(table, column, value, "MySQL FLOAT and DOUBLE hold neither NaN nor infinity; fix the rows on the source or leave the column out (objects.columns)"),
            },
            // The reader gives ±infinity as a value of its own (InfiniteTime), so 0001-01-01 and 9999-12-31 are real dates
            // that MySQL holds; infinity it cannot: writing it as 9999-12-31 would change the data silently.
            // DateOnly.MinValue and DateTime.MinValue stand for MySQL's zero date on the MySQL writer's side: the real
            // 0001-01-01 (00:00:00) goes as text, which the server reads as that date
            Conversion.Date => value is DateOnly d ? (d == DateOnly.MinValue ? "0001-01-01" : d)
                : value is InfiniteTime ? throw Infinite(table, column, value) : throw Refused(table, column, value, "a date is expected"),
            Conversion.Timestamp or Conversion.TimestampTz => value is DateTime dt
                // DATETIME has no zone: timestamptz is stored as its UTC time (the reader gives it in UTC)
                ? dt.Ticks == 0 ? "0001-01-01 00:00:00"
                : DateTime.SpecifyKind(plan.Conversion == Conversion.TimestampTz ? dt.ToUniversalTime() : dt, DateTimeKind.Unspecified)
                : value is InfiniteTime ? throw Infinite(table, column, value) : throw Refused(table, column, value, "a timestamp is expected"),
            Conversion.Time => value is TimeSpan ? value : throw Refused(table, column, value, "a time is expected"),
            Conversion.TimeTz => value is string tz && TimeSpan.TryParse(CrossEngineValues.TimeOfTimeTz(tz), CultureInfo.InvariantCulture, out var t) ? t
                : throw Refused(table, column, value, "a timetz is expected"),
            Conversion.Bits => value is string bits && bits.Length <= 64 && bits.All(ch => ch is '0' or '1')
                ? bits.Length == 0 ? 0UL : Convert.ToUInt64(bits, 2)
                : throw Refused(table, column, value, $"it is not a string of at most {plan.Width} bits"),
            Conversion.BitBytes => value is string bits && bits.All(ch => ch is '0' or '1') ? BitBytes(bits)
                : throw Refused(table, column, value, "a bit string is expected"),
            Conversion.Array => value is string array && PgArrayJson.TryConvert(array, plan.Element) is { } json ? json
                : throw Refused(table, column, value, "a PostgreSQL array literal is expected"),
            Conversion.Text => value is string ? value : RowValues.Canonical(value),
            // the copy reads inet cast to text (with /32), the change stream its output (without): stored as the latter
            Conversion.Inet => value is string inet ? CrossEngineValues.Inet(inet) : RowValues.Canonical(value),
            _ => value,
        };
    }

    /// <summary>
    /// Numeric text as DECIMAL(p,s) text, exactly: trailing fraction zeros beyond the scale are dropped (the
    /// same value), anything else that does not fit — more integer digits than p−s, more significant fraction
    /// digits than s, NaN, infinity — is refused rather than rounded or clamped as MySQL would.
    /// </summary>
    private static string Decimal(TableSchema table, ColumnSchema column, string text, Plan plan)
    {
        var s = text.Trim();
        var body = s.StartsWith('-') || s.StartsWith('+') ? s[1..] : s;
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var integer = (dot < 0 ? body : body[..dot]).TrimStart('0');
        var fraction = dot < 0 ? string.Empty : body[(dot + 1)..].TrimEnd('0');
        if (body.Length == 0 || !(dot < 0 ? body : body.Remove(dot, 1)).All(char.IsAsciiDigit))
            throw Refused(table, column, text, $"MySQL DECIMAL({plan.Precision},{plan.Scale}) holds neither NaN nor infinity");
        if (integer.Length > plan.Precision - plan.Scale || fraction.Length > plan.Scale)
            throw Refused(table, column, text,
                $"it does not fit DECIMAL({plan.Precision},{plan.Scale}) ({plan.Precision - plan.Scale} integer and {plan.Scale} fraction digits) and would be rounded; " +
                "give the column a precision on the source or leave it out (objects.columns)");
        var sign = s.StartsWith('-') && (integer.Length > 0 || fraction.Length > 0) ? "-" : string.Empty;
        return sign + (integer.Length == 0 ? "0" : integer) + (fraction.Length == 0 ? string.Empty : "." + fraction);
    }

    private static byte[] BitBytes(string bits)
    {
        var padded = bits.PadLeft((bits.Length + 7) / 8 * 8, '0');
        var bytes = new byte[padded.Length / 8];
        for (var i = 0; i < bytes.Length; i++) bytes[i] = Convert.ToByte(padded.Substring(i * 8, 8), 2);
        return bytes;
    }

    private static FerryException Infinite(TableSchema table, ColumnSchema column, object value) =>
        new("writer.value-unsupported",
            $"{table.Name}.{column.Name} ({column.ColumnType}) holds {value}, " +
            "which MySQL cannot store (its dates are finite); fix the rows on the source (e.g. set them to NULL) or leave the column out (objects.columns), then resume");

    private static FerryException Refused(TableSchema table, ColumnSchema column, object value, string why) =>
        new("writer.value-unsupported",
            $"{table.Name}.{column.Name} ({column.ColumnType}) holds {RowValues.Canonical(value)}, which cannot be written to MySQL: {why}");
}
