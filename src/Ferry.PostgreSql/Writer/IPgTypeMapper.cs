using Ferry.Engine.Schema;

namespace Ferry.PostgreSql.Writer;

/// <summary>
/// The destination type of a source column. PostgreSQL → PostgreSQL keeps the source's <c>format_type</c> text;
/// a mapper for MySQL-family sources plugs in here without touching the writer.
/// </summary>
public interface IPgTypeMapper
{
    string ColumnType(ColumnSchema column);
}

/// <summary>The source is PostgreSQL: its own type text is right as it is.</summary>
public sealed class SameEngineTypeMapper : IPgTypeMapper
{
    public static readonly SameEngineTypeMapper Instance = new();

    public string ColumnType(ColumnSchema column) => column.ColumnType;
}
