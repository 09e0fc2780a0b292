using Ferry.Engine.Changes;
using System.Globalization;
using System.Text;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;

namespace Ferry.PostgreSql;

/// <summary>
/// Values as SQL literals, for statements that cannot take parameters (COPY) or are handed to a person
/// (correction SQL). Strings are standard-conforming (<c>''</c> doubled; sessions set
/// standard_conforming_strings=on), so backslashes are plain characters and nothing breaks out.
/// </summary>
public static class PgLiteral
{
    public static string Text(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A value of <see cref="Engine.Changes.RowValues"/> type as a literal of the column's own type.</summary>
    public static string Typed(ColumnSchema col, object? value) =>
        value is null ? $"CAST(NULL AS {col.ColumnType})" : PgWire.ToColumnType(col, Wire(value));

    /// <summary>The value as a literal of its wire type.</summary>
    public static string Wire(object value) => value switch
    {
        string s => Text(s) + "::text",
        long l => l.ToString(CultureInfo.InvariantCulture) + "::int8",
        // a MySQL BIGINT UNSIGNED key bound (verification ranges over a MySQL source): numeric holds all of them
        ulong u => u.ToString(CultureInfo.InvariantCulture) + "::numeric",
        int i => i.ToString(CultureInfo.InvariantCulture) + "::int8",
        bool b => b ? "true" : "false",
        float f => Text(Float(f)) + "::float4",
        double d => Text(Float(d)) + "::float8",
        byte[] b => Text("\\x" + Convert.ToHexString(b)) + "::bytea",
        DateOnly d => Text(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) + "::date",
        // cast to the column's date or timestamp type by the caller
        InfiniteTime inf => Text(inf.ToString()) + "::text",
        DateTime dt => Text(Timestamp(dt)) + (dt.Kind == DateTimeKind.Utc ? "::timestamptz" : "::timestamp"),
        TimeSpan t => Text(Engine.Changes.RowValues.FormatTime(t)) + "::time",
        _ => throw new FerryException("writer.value-unsupported", $"a value of type {value.GetType().Name} cannot be written to PostgreSQL"),
    };

    private static string Float(double d) =>
        double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : double.IsNaN(d) ? "NaN" : d.ToString("R", CultureInfo.InvariantCulture);

    private static string Float(float f) =>
        float.IsPositiveInfinity(f) ? "Infinity" : float.IsNegativeInfinity(f) ? "-Infinity" : float.IsNaN(f) ? "NaN" : f.ToString("R", CultureInfo.InvariantCulture);

    private static string Timestamp(DateTime dt)
    {
        var text = dt.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        return dt.Kind == DateTimeKind.Utc ? text + "+00" : text;
    }

    /// <summary>A key tuple as a row constructor of the key columns' types.</summary>
    public static string Row(TableSchema table, IReadOnlyList<string> columns, IReadOnlyList<object?> values)
    {
        var sb = new StringBuilder("(");
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Typed(table.Columns[table.IndexOf(columns[i])], values[i]));
        }
        return sb.Append(')').ToString();
    }
}
