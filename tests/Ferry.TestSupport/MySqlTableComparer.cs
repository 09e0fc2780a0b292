using Xunit;
using System.Text;
using MySqlConnector;

namespace Ferry.TestSupport;

/// <summary>
/// Compares every row and column of a table on two MySQL-family servers, independently of Ferry's
/// own code: each value is read as the exact bytes the server stores (hex), with both sessions in
/// UTC so TIMESTAMP columns compare by instant whatever the servers' default time zones.
/// </summary>
public static class MySqlTableComparer
{
    /// <param name="columns">Only these columns (default: all of them).</param>
    /// <param name="where">Only rows matching this condition, written by the test (default: all rows).</param>
    public static async Task<IReadOnlyList<string>> ReadCanonicalRowsAsync(string connectionString, string database, string table,
        IReadOnlyList<string>? only = null, string? where = null)
    {
        await using var c = await TestServers.OpenAsync(connectionString, database);
        await using (var tz = new MySqlCommand("SET time_zone = '+00:00'", c)) await tz.ExecuteNonQueryAsync();
        var columns = new List<string>();
        await using (var cmd = new MySqlCommand(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=@d AND TABLE_NAME=@t ORDER BY ORDINAL_POSITION", c))
        {
            cmd.Parameters.AddWithValue("@d", database);
            cmd.Parameters.AddWithValue("@t", table);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) columns.Add(r.GetString(0));
        }
        if (columns.Count == 0) throw new InvalidOperationException($"table {database}.{table} not found");
        if (only is not null) columns = columns.Where(c => only.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        var select = string.Join(", ", columns.Select(col => $"HEX(CAST({Q(col)} AS BINARY))"));
        var order = string.Join(", ", columns.Select(col => $"CAST({Q(col)} AS BINARY)"));
        var rows = new List<string>();
        await using (var cmd = new MySqlCommand($"SELECT {select} FROM {Q(database)}.{Q(table)}{(where is null ? "" : " WHERE " + where)} ORDER BY {order}", c))
        {
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var sb = new StringBuilder();
                for (var i = 0; i < columns.Count; i++)
                    sb.Append(columns[i]).Append('=').Append(r.IsDBNull(i) ? "NULL" : r.GetString(i)).Append(' ');
                rows.Add(sb.ToString());
            }
        }
        return rows;
    }

    /// <summary>Asserts both sides hold exactly the same rows, naming the first difference.</summary>
    public static async Task AssertEqualAsync(string sourceCs, string destCs, string database, string table, string? destDatabase = null)
    {
        var src = await ReadCanonicalRowsAsync(sourceCs, database, table);
        var dst = await ReadCanonicalRowsAsync(destCs, destDatabase ?? database, table);
        var missing = src.Except(dst).Take(3).ToList();
        var extra = dst.Except(src).Take(3).ToList();
        Assert.True(src.Count == dst.Count && missing.Count == 0 && extra.Count == 0,
            $"{database}.{table}: source {src.Count} rows, destination {dst.Count} rows\n" +
            $"missing in destination: {string.Join("\n  ", missing)}\nextra in destination: {string.Join("\n  ", extra)}");
    }

    public static string Q(string identifier) => "`" + identifier.Replace("`", "``") + "`";
}
