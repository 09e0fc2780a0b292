using Ferry.Engine.Schema;

namespace Ferry.PostgreSql.Writer;

/// <summary>The source is PostgreSQL: its own type text, collation and values are right as they are.</summary>
public sealed class SameEngineTypeMapper : IPgTypeMapper
{
    public static readonly SameEngineTypeMapper Instance = new();

    public string ColumnType(ColumnSchema column) => column.ColumnType;
}
