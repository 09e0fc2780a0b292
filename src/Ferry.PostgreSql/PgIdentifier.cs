using Ferry.Engine.Schema;

namespace Ferry.PostgreSql;

/// <summary>Identifiers always double-quoted with embedded quotes doubled, so no name can break out of its place.</summary>
public static class PgIdentifier
{
    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A table as <c>"schema"."table"</c> (the <see cref="TableName.Database"/> is a PostgreSQL schema).</summary>
    public static string Quote(TableName table) => Quote(table.Database) + "." + Quote(table.Table);
}
