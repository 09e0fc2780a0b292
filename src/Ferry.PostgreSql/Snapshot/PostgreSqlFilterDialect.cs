using Ferry.Engine.Filters;
using Ferry.Engine.Schema;

namespace Ferry.PostgreSql.Snapshot;

/// <summary>
/// Row filters as PostgreSQL SQL: double-quoted names, standard-conforming string literals. Quoted names are
/// case-sensitive in PostgreSQL while filters are written as on MySQL (case-insensitive), so a column is spelled
/// as the table spells it when the table has it.
/// </summary>
public sealed class PostgreSqlFilterDialect(TableSchema? table = null) : IFilterDialect
{
    public static readonly PostgreSqlFilterDialect Instance = new();

    public string Column(string name) =>
        PgIdentifier.Quote(table is not null && table.IndexOf(name) is >= 0 and var i ? table.Columns[i].Name : name);

    public string String(string value) => PgLiteral.Text(value);
}
