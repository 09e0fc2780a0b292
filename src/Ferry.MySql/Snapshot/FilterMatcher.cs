using System.Globalization;
using System.Text;
using Ferry.Engine.Filters;
using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Snapshot;

/// <summary>
/// Judges changed rows with a row filter on the source server: the images become a derived table
/// whose columns carry the table's own types and collations, and the server runs the filter over it.
/// The full copy pushes the same rendered filter down to the stored table, so both paths agree on
/// every value, collation and comparison rule (a re-implementation of SQL semantics would not).
/// </summary>
public static class FilterMatcher
{
    /// <summary>Rows per statement: keeps statements well under max_allowed_packet for wide values.</summary>
    private const int RowsPerStatement = 200;

    public static async Task<bool[]> MatchAsync(MySqlConnection c, TableSchema table, RowFilter filter, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        var result = new bool[rows.Count];
        var columns = filter.Columns.Select(name => table.IndexOf(name)).ToArray();
        var where = filter.Render(MySqlFilterDialect.Instance);
        for (var start = 0; start < rows.Count; start += RowsPerStatement)
        {
            var end = Math.Min(rows.Count, start + RowsPerStatement);
            await using var cmd = new MySqlCommand { Connection = c };
            var sb = new StringBuilder("SELECT `__ferry_n` FROM (");
            for (var r = start; r < end; r++)
            {
                if (r > start) sb.Append(" UNION ALL ");
                sb.Append("SELECT ").Append(r.ToString(CultureInfo.InvariantCulture)).Append(" AS `__ferry_n`");
                for (var k = 0; k < columns.Length; k++)
                {
                    var col = table.Columns[columns[k]];
                    var name = $"@f{r - start}_{k}";
                    cmd.Parameters.AddWithValue(name, ZeroDate.ToSql(rows[r][columns[k]]));
                    sb.Append(", ").Append(Typed(col, name)).Append(" AS ").Append(MySqlIdentifier.Quote(col.Name));
                }
            }
            sb.Append(") AS `__ferry_rows` WHERE ").Append(where);
            cmd.CommandText = sb.ToString();
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) result[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = true;
        }
        return result;
    }

    /// <summary>A parameter read back with the column's type, so comparisons follow the column's rules.</summary>
    private static string Typed(ColumnSchema col, string p)
    {
        var precision = Math.Clamp(col.Precision, 0, 6);
        return col.DataType switch
        {
            "decimal" or "numeric" => $"CAST({p} AS DECIMAL({Math.Max(col.Precision, 1)},{col.Scale}))",
            "float" => $"CAST({p} AS FLOAT)",
            "double" or "real" => $"CAST({p} AS DOUBLE)",
            "date" => $"CAST({p} AS DATE)",
            "datetime" or "timestamp" => $"CAST({p} AS DATETIME({precision}))",
            "time" => $"CAST({p} AS TIME({precision}))",
            "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set" or "json"
                when col.Charset is { } cs && !cs.Equals("binary", StringComparison.OrdinalIgnoreCase) =>
                $"CONVERT({p} USING {cs})" + (col.Collation is { } co ? $" COLLATE {co}" : string.Empty),
            "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" => $"CAST({p} AS BINARY)",
            _ => p,
        };
    }
}
