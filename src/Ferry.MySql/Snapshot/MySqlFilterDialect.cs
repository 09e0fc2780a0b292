using Ferry.Engine.Filters;
using Ferry.MySql.Writer;

namespace Ferry.MySql.Snapshot;

/// <summary>Row filters as MySQL SQL: backquoted names, text as charset-introduced hex literals.</summary>
public sealed class MySqlFilterDialect : IFilterDialect
{
    public static readonly MySqlFilterDialect Instance = new();

    public string Column(string name) => MySqlIdentifier.Quote(name);

    public string String(string value) => MySqlLiteral.Format(value);
}
