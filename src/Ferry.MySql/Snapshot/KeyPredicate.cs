using System.Text;
using MySqlConnector;

namespace Ferry.MySql.Snapshot;

/// <summary>
/// Row-key comparisons written out as <c>a &gt; ? OR (a = ? AND b &gt; ?)</c>, which the range
/// optimizer turns into index ranges on (a, b).
/// </summary>
internal static class KeyPredicate
{
    /// <summary><c>key &gt; bound</c> (<paramref name="op"/> "&gt;") or <c>key &lt;= bound</c> (<paramref name="op"/> "&lt;=").</summary>
    public static string Compare(IReadOnlyList<string> key, object?[] bound, string op, MySqlCommand cmd, string prefix)
    {
        var strict = op == ">" ? ">" : "<";
        var sb = new StringBuilder("(");
        for (var i = 0; i < key.Count; i++)
        {
            if (i > 0) sb.Append(" OR ");
            sb.Append('(');
            for (var j = 0; j < i; j++)
                sb.Append(MySqlSessions.Q(key[j])).Append(" = ").Append(Param(cmd, $"{prefix}{j}", bound[j])).Append(" AND ");
            var last = i == key.Count - 1 && op == "<=" ? "<=" : strict;
            sb.Append(MySqlSessions.Q(key[i])).Append(' ').Append(last).Append(' ').Append(Param(cmd, $"{prefix}{i}", bound[i])).Append(')');
        }
        return sb.Append(')').ToString();
    }

    /// <summary><c>(a = ? AND b = ?)</c> for one key.</summary>
    public static string Equal(IReadOnlyList<string> key, object?[] values, MySqlCommand cmd, string prefix)
    {
        var sb = new StringBuilder("(");
        for (var i = 0; i < key.Count; i++)
        {
            if (i > 0) sb.Append(" AND ");
            sb.Append(MySqlSessions.Q(key[i])).Append(" = ").Append(Param(cmd, $"{prefix}{i}", values[i]));
        }
        return sb.Append(')').ToString();
    }

    public static string Param(MySqlCommand cmd, string name, object? value)
    {
        var p = "@" + name;
        if (!cmd.Parameters.Contains(p)) cmd.Parameters.AddWithValue(p, ParameterValue.Of(value));
        return p;
    }
}
