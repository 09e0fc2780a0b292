using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Snapshot;

/// <summary>
/// Converts a result row into <see cref="Ferry.Engine.Changes.RowValues"/> types, by the column's
/// declared type rather than by what the driver happens to return, so the snapshot path and the
/// binlog path hand writers identical values.
/// </summary>
public sealed class MySqlRowReader
{
    private readonly Func<MySqlDataReader, int, object>[] _readers;

    public MySqlRowReader(IReadOnlyList<ColumnSchema> columns) =>
        _readers = columns.Select(ReaderFor).ToArray();

    public object?[] Read(MySqlDataReader r)
    {
        var row = new object?[_readers.Length];
        for (var i = 0; i < row.Length; i++)
            row[i] = r.IsDBNull(i) ? null : _readers[i](r, i);
        return row;
    }

    private static Func<MySqlDataReader, int, object> ReaderFor(ColumnSchema column) => column.DataType switch
    {
        "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "bigint" =>
            column.IsUnsigned ? (r, i) => r.GetUInt64(i) : (r, i) => r.GetInt64(i),
        "year" => (r, i) => (long)r.GetInt32(i),
        "bit" => (r, i) => r.GetUInt64(i),
        // the server's own text has exactly the column's scale
        "decimal" or "numeric" => (r, i) => r.GetMySqlDecimal(i).ToString(),
        // selected as DOUBLE where the select list is the snapshot source's own (exact); a FLOAT as sent is read as it is
        "float" => (r, i) => r.GetValue(i) is double d ? (float)d : r.GetFloat(i),
        "double" or "real" => (r, i) => r.GetDouble(i),
        "date" => (r, i) => DateOnly.FromDateTime(r.GetDateTime(i)),
        "datetime" => (r, i) => DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Unspecified),
        // sessions run with time_zone '+00:00', so the text the server sends is UTC
        "timestamp" => (r, i) => DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc),
        "time" => (r, i) => r.GetTimeSpan(i),
        "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set" or "json"
            when !string.Equals(column.Charset, "binary", StringComparison.OrdinalIgnoreCase) => (r, i) => r.GetString(i),
        "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "binary" or "varbinary"
            or "tinyblob" or "blob" or "mediumblob" or "longblob" => Bytes,
        _ => (r, i) => r.GetValue(i) is var v && v is byte[] or string or long or ulong or double or float ? v : Bytes(r, i),
    };

    private static object Bytes(MySqlDataReader r, int i)
    {
        var v = r.GetValue(i);
        return v as byte[] ?? System.Text.Encoding.UTF8.GetBytes(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
    }
}
