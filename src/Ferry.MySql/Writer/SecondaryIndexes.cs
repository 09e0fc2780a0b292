using System.Text.RegularExpressions;

namespace Ferry.MySql.Writer;

/// <summary>
/// The non-unique indexes in a SHOW CREATE TABLE statement (one definition per line, as the server
/// prints it): left out of the table the full copy loads into, and added once the rows are in.
/// Primary and unique keys stay, since loading and replay match rows by them.
/// </summary>
public static partial class SecondaryIndexes
{
    public sealed record Index(string Name, string Definition);

    [GeneratedRegex(@"^\s*(?:FULLTEXT\s+|SPATIAL\s+)?KEY\s+`((?:[^`]|``)+)`", RegexOptions.IgnoreCase)]
    private static partial Regex IndexLine();

    public static IReadOnlyList<Index> Of(string create) =>
        Lines(create).Select(l => (Line: l.Trim().TrimEnd(','), Match: IndexLine().Match(l)))
            .Where(x => x.Match.Success)
            .Select(x => new Index(x.Match.Groups[1].Value.Replace("``", "`"), x.Line))
            .ToList();

    /// <summary>The statement without its non-unique index lines, commas mended.</summary>
    public static string Without(string create)
    {
        // A foreign key needs an index on its columns; the server would invent one. Keep those tables whole.
        if (create.Contains("FOREIGN KEY", StringComparison.OrdinalIgnoreCase)) return create;
        var lines = create.Split('\n');
        var open = Array.FindIndex(lines, l => l.TrimEnd().EndsWith('('));
        var close = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith(')'));
        if (open < 0 || close <= open) return create;
        var body = lines[(open + 1)..close].Where(l => !IndexLine().IsMatch(l)).Select(l => l.TrimEnd().TrimEnd(',')).ToList();
        var rebuilt = lines[..(open + 1)]
            .Concat(body.Select((l, i) => i < body.Count - 1 ? l + "," : l))
            .Concat(lines[close..]);
        return string.Join("\n", rebuilt);
    }

    private static IEnumerable<string> Lines(string create)
    {
        var lines = create.Split('\n');
        var open = Array.FindIndex(lines, l => l.TrimEnd().EndsWith('('));
        var close = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith(')'));
        return open < 0 || close <= open ? [] : lines[(open + 1)..close];
    }
}
