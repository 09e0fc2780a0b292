using System.Text.RegularExpressions;
using Ferry.Engine.Connections;

namespace Ferry.MySql.Writer;

/// <summary>The destination's CREATE TABLE: the source's own DDL, renamed to the target.</summary>
internal static partial class TableDdl
{
    [GeneratedRegex(@"^\s*CREATE\s+TABLE\s+(`(?:[^`]|``)+`|\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreatePrefix();

    public static string CreateFor(TableMapping mapping)
    {
        var source = mapping.Source.CreateStatement
            ?? throw new Engine.Errors.FerryException("schema.no-ddl", $"no DDL is known for {mapping.Source.Name}");
        var m = CreatePrefix().Match(source);
        if (!m.Success) throw new Engine.Errors.FerryException("schema.unrecognised-ddl", $"cannot rewrite the DDL of {mapping.Source.Name}");
        return "CREATE TABLE IF NOT EXISTS " + MySqlSessions.Q(mapping.Target) + source[m.Length..];
    }
}
