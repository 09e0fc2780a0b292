using System.Text.RegularExpressions;
using Ferry.Engine.Connections;

namespace Ferry.MySql.Writer;

/// <summary>
/// Rewrites a source's CREATE TABLE (as MariaDB or MySQL prints it) into what the destination engine
/// accepts. What each engine does not take, from their documentation:
/// <list type="bullet">
/// <item>MySQL, OceanBase (MySQL mode) and TiDB have no MariaDB-only syntax: <c>PERSISTENT</c> generated
/// columns are <c>STORED</c>; the <c>COMPRESSED</c> column attribute and Aria's table options
/// (<c>PAGE_CHECKSUM</c>, <c>TRANSACTIONAL</c>) do not exist; storage engines other than InnoDB become
/// InnoDB (strict sessions refuse engine substitution); system-versioned tables are refused, as
/// their history cannot be carried.</item>
/// <item>TiDB has no spatial or full-text indexes, and no invisible columns: those index lines are left
/// out (the columns themselves are kept) and <c>INVISIBLE</c> is dropped.</item>
/// </list>
/// A MariaDB destination takes the source's statement unchanged.
/// </summary>
public static partial class DestinationDialect
{
    public static string Convert(string create, EngineKind destination)
    {
        if (destination is EngineKind.MariaDb) return create;
        if (SystemVersioning().IsMatch(create))
            throw new Ferry.Engine.Errors.FerryException("schema.unsupported_ddl",
                $"{destination} has no system-versioned tables (WITH SYSTEM VERSIONING): retry this table with your own DDL, or skip it");
        var sql = Persistent().Replace(create, "STORED");
        sql = Compressed().Replace(sql, "");
        sql = AriaOption().Replace(sql, "");
        sql = Engine().Replace(sql, m => m.Groups[1].Value.Equals("InnoDB", StringComparison.OrdinalIgnoreCase) ? m.Value : "ENGINE=InnoDB");
        sql = RowFormatPage().Replace(sql, "");
        if (destination == EngineKind.TiDb)
        {
            sql = string.Join("\n", sql.Split('\n').Where(l => !SpatialOrFullText().IsMatch(l)));
            sql = Invisible().Replace(sql, "");
            sql = MendCommas(sql);
        }
        return sql;
    }

    /// <summary>After lines were dropped, the last definition before the closing parenthesis must not end in a comma.</summary>
    private static string MendCommas(string sql)
    {
        var lines = sql.Split('\n').ToList();
        var close = lines.FindLastIndex(l => l.TrimStart().StartsWith(')'));
        if (close > 0) lines[close - 1] = lines[close - 1].TrimEnd().TrimEnd(',');
        return string.Join("\n", lines);
    }

    [GeneratedRegex(@"\bPERSISTENT\b(?=\s*(,|\n|$|NULL|NOT|COMMENT|INVISIBLE))", RegexOptions.IgnoreCase)]
    private static partial Regex Persistent();

    [GeneratedRegex(@"\s*/\*M?!\d+\s+COMPRESSED\s*\*/", RegexOptions.IgnoreCase)]
    private static partial Regex Compressed();

    [GeneratedRegex(@"\s+(PAGE_CHECKSUM|TRANSACTIONAL)=\d+", RegexOptions.IgnoreCase)]
    private static partial Regex AriaOption();

    [GeneratedRegex(@"\s+ROW_FORMAT=PAGE\b", RegexOptions.IgnoreCase)]
    private static partial Regex RowFormatPage();

    [GeneratedRegex(@"\bENGINE=(\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex Engine();

    [GeneratedRegex(@"WITH\s+SYSTEM\s+VERSIONING", RegexOptions.IgnoreCase)]
    private static partial Regex SystemVersioning();

    [GeneratedRegex(@"^\s*(SPATIAL|FULLTEXT)\s+(KEY|INDEX)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SpatialOrFullText();

    [GeneratedRegex(@"\s+INVISIBLE\b(?=[^`']*(,|\n|$))", RegexOptions.IgnoreCase)]
    private static partial Regex Invisible();
}
