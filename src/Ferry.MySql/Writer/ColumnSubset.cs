using System.Text.RegularExpressions;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Writer;

/// <summary>
/// The source's SHOW CREATE TABLE cut down to the columns a mapping moves (object rules <c>columns</c>):
/// definitions of the other columns go, and so do indexes and constraints that name them (a foreign
/// key or CHECK over a column that is not there cannot be created). The server prints one definition
/// per line, which is what this relies on.
/// </summary>
public static partial class ColumnSubset
{
    [GeneratedRegex(@"^\s*`((?:[^`]|``)+)`\s")]
    private static partial Regex ColumnLine();

    [GeneratedRegex(@"`((?:[^`]|``)+)`")]
    private static partial Regex Quoted();

    /// <summary>The create statement the destination gets for <paramref name="mapping"/>.</summary>
    public static string? CreateStatementOf(TableMapping mapping)
    {
        if (mapping.Source.CreateStatement is not { } create || mapping.Full is null) return mapping.Source.CreateStatement;
        return Apply(create, mapping);
    }

    private static string Apply(string create, TableMapping mapping)
    {
        var kept = mapping.Source.Columns.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var dropped = mapping.Logged.Columns.Select(c => c.Name).Where(n => !kept.Contains(n)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var lines = create.Split('\n');
        var open = Array.FindIndex(lines, l => l.TrimEnd().EndsWith('('));
        var close = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith(')'));
        if (open < 0 || close <= open)
            throw new FerryException("schema.unsupported_ddl", $"the definition of {mapping.Source.Name} could not be cut down to its column subset");
        var body = new List<string>();
        foreach (var raw in lines[(open + 1)..close])
        {
            var line = raw.TrimEnd().TrimEnd(',');
            var column = ColumnLine().Match(line);
            var names = Quoted().Matches(line).Select(m => m.Groups[1].Value.Replace("``", "`")).ToList();
            if (column.Success)
            {
                var name = column.Groups[1].Value.Replace("``", "`");
                if (dropped.Contains(name)) continue;
                var uses = names.Skip(1).Where(dropped.Contains).ToList();
                if (uses.Count > 0)
                    throw new FerryException("objects.columns-generated",
                        $"column {name} of {mapping.Source.Name} is computed from {string.Join(", ", uses)}, which objects.columns leaves out: include them or leave {name} out too");
                body.Add(line);
            }
            else if (!names.Any(dropped.Contains)) body.Add(line);
        }
        return string.Join("\n", lines[..(open + 1)]
            .Concat(body.Select((l, i) => i < body.Count - 1 ? l + "," : l))
            .Concat(lines[close..]));
    }
}
