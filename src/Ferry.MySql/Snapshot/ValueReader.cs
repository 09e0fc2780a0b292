using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Snapshot;

/// <summary>Reads a column into the <see cref="Engine.Changes.RowValues"/> type its MySQL type maps to.</summary>
internal static class ValueReader
{
    public static Func<MySqlDataReader, int, object?> For(ColumnSchema c) => c.DataType switch
    {
        "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "bigint" =>
            c.IsUnsigned ? (r, i) => r.GetUInt64(i) : (r, i) => r.GetInt64(i),
        "year" => (r, i) => Convert.ToInt64(r.GetValue(i)),
        "bit" => (r, i) => r.GetUInt64(i),
        "decimal" or "numeric" => (r, i) => r.GetMySqlDecimal(i).ToString(),
        "float" => (r, i) => r.GetFloat(i),
        "double" or "real" => (r, i) => r.GetDouble(i),
        "date" => (r, i) => DateOnly.FromDateTime(r.GetDateTime(i)),
        "datetime" => (r, i) => DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Unspecified),
        // The session is in UTC, so the server hands TIMESTAMP values over as UTC.
        "timestamp" => (r, i) => DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc),
        "time" => (r, i) => r.GetTimeSpan(i),
        "binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob" or "geometry" or "point"
            or "linestring" or "polygon" or "multipoint" or "multilinestring" or "multipolygon" or "geometrycollection" =>
            (r, i) => (byte[])r.GetValue(i),
        "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" when c.Charset is null or "binary" =>
            (r, i) => (byte[])r.GetValue(i),
        _ => (r, i) => r.GetString(i),
    };

    public static object?[] ReadRow(MySqlDataReader r, Func<MySqlDataReader, int, object?>[] readers)
    {
        var row = new object?[readers.Length];
        for (var i = 0; i < readers.Length; i++) row[i] = r.IsDBNull(i) ? null : readers[i](r, i);
        return row;
    }
}
