namespace Ferry.MySql;

/// <summary>Identifier quoting for generated SQL: backticks, with embedded backticks doubled.</summary>
public static class MySqlIdentifier
{
    public static string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

    public static string Quote(Ferry.Engine.Schema.TableName table) => Quote(table.Database) + "." + Quote(table.Table);
}
