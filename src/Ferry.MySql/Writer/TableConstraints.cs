using System.Text.RegularExpressions;
using Ferry.Engine.Schema;

namespace Ferry.MySql.Writer;

/// <summary>
/// Foreign keys and CHECK constraints in a SHOW CREATE TABLE statement (one definition per line):
/// taken out of the table the copy loads into, and turned into ALTER TABLE statements for when the
/// data is complete. Column-level checks (MariaDB writes JSON columns as <c>CHECK (json_valid(…))</c>
/// on the column's own line) stay with their column.
/// </summary>
public static partial class TableConstraints
{
    public sealed record Constraint(string Name, string Kind, string Definition);

    [GeneratedRegex(@"^\s*CONSTRAINT\s+`((?:[^`]|``)+)`\s+(FOREIGN\s+KEY|CHECK)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ConstraintLine();

    [GeneratedRegex(@"\bREFERENCES\s+`((?:[^`]|``)+)`(?:\.`((?:[^`]|``)+)`)?", RegexOptions.IgnoreCase)]
    private static partial Regex References();

    public static (string Create, IReadOnlyList<Constraint> Constraints) Split(string create)
    {
        var lines = create.Split('\n');
        var open = Array.FindIndex(lines, l => l.TrimEnd().EndsWith('('));
        var close = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith(')'));
        if (open < 0 || close <= open) return (create, []);
        var kept = new List<string>();
        var constraints = new List<Constraint>();
        foreach (var raw in lines[(open + 1)..close])
        {
            var line = raw.Trim().TrimEnd(',');
            var m = ConstraintLine().Match(line);
            if (m.Success)
                constraints.Add(new Constraint(m.Groups[1].Value.Replace("``", "`"),
                    m.Groups[2].Value.StartsWith('F') || m.Groups[2].Value.StartsWith('f') ? "foreignKey" : "check", line));
            else kept.Add(raw.TrimEnd().TrimEnd(','));
        }
        if (constraints.Count == 0) return (create, []);
        var rebuilt = lines[..(open + 1)].Concat(kept.Select((l, i) => i < kept.Count - 1 ? l + "," : l)).Concat(lines[close..]);
        return (string.Join("\n", rebuilt), constraints);
    }

    /// <summary>The constraint as an ALTER TABLE on <paramref name="target"/>, its referenced table mapped too.</summary>
    public static string AddStatement(Constraint c, TableName source, TableName target, Func<TableName, TableName> map)
    {
        var definition = References().Replace(c.Definition, m =>
        {
            var parent = m.Groups[2].Success
                ? new TableName(m.Groups[1].Value.Replace("``", "`"), m.Groups[2].Value.Replace("``", "`"))
                : new TableName(source.Database, m.Groups[1].Value.Replace("``", "`"));
            return "REFERENCES " + MySqlIdentifier.Quote(map(parent));
        });
        return "ALTER TABLE " + MySqlIdentifier.Quote(target) + " ADD " + definition;
    }
}
