using System.Globalization;
using System.Text;
using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Snapshot;

/// <summary>
/// SQL fragments comparing a row's key with a key tuple. Composite comparisons are spelled out
/// (<c>a &gt; @a OR (a = @a AND b &gt; @b)</c>) because MariaDB does not use an index for row constructors.
/// </summary>
public static class KeyPredicate
{
    /// <summary>The key tuple compared as <paramref name="op"/> (&gt; or &lt;=) in key order.</summary>
    public static string Compare(TableSchema table, object?[] key, string op, string prefix, MySqlParameterCollection parameters)
    {
        var names = table.Key;
        var p = new string[names.Count];
        for (var i = 0; i < names.Count; i++) p[i] = Parameter(table, names[i], key[i], $"@{prefix}{i}", parameters);
        var strict = op.TrimEnd('=');
        var sb = new StringBuilder("(");
        for (var i = 0; i < names.Count; i++)
        {
            if (i > 0) sb.Append(" OR ");
            sb.Append('(');
            for (var j = 0; j < i; j++) sb.Append(MySqlIdentifier.Quote(names[j])).Append(" = ").Append(p[j]).Append(" AND ");
            var last = i == names.Count - 1 ? op : strict;
            sb.Append(MySqlIdentifier.Quote(names[i])).Append(' ').Append(last).Append(' ').Append(p[i]).Append(')');
        }
        return sb.Append(')').ToString();
    }

    /// <summary><c>(k1 = @a AND k2 = @b)</c> for one key tuple.</summary>
    public static string Equal(TableSchema table, IReadOnlyList<string> columns, object?[] values, string prefix, MySqlParameterCollection parameters, bool nullSafe = false)
    {
        var sb = new StringBuilder("(");
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0) sb.Append(" AND ");
            sb.Append(MySqlIdentifier.Quote(columns[i])).Append(nullSafe ? " <=> " : " = ")
              .Append(Parameter(table, columns[i], values[i], $"@{prefix}{i}", parameters));
        }
        return sb.Append(')').ToString();
    }

    public static string OrderBy(TableSchema table) => string.Join(", ", table.Key.Select(MySqlIdentifier.Quote));

    /// <summary>
    /// Adds a parameter and returns the SQL that reads it with the column's type: DECIMAL keys travel as
    /// strings and would otherwise be compared as doubles; zero dates travel as their text.
    /// </summary>
    public static string Parameter(TableSchema table, string column, object? value, string name, MySqlParameterCollection parameters)
    {
        parameters.AddWithValue(name, ZeroDate.ToSql(value));
        var col = table.Columns[table.IndexOf(column)];
        return col.DataType switch
        {
            "decimal" or "numeric" when value is string =>
                string.Create(CultureInfo.InvariantCulture, $"CAST({name} AS DECIMAL({Math.Max(col.Precision, 1)},{col.Scale}))"),
            // a FLOAT column compared with a double literal never matches 0.1; compare at the column's precision
            "float" when value is float => $"CAST({name} AS FLOAT)",
            _ => name,
        };
    }
}
