using Ferry.Engine.Filters;

namespace Ferry.PostgreSql.Snapshot;

/// <summary>Row filters as PostgreSQL SQL: double-quoted names, standard-conforming string literals.</summary>
public sealed class PostgreSqlFilterDialect : IFilterDialect
{
    public static readonly PostgreSqlFilterDialect Instance = new();

    public string Column(string name) => PgIdentifier.Quote(name);

    public string String(string value) => PgLiteral.Text(value);
}
