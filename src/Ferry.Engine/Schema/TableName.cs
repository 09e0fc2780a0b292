namespace Ferry.Engine.Schema;

/// <summary>A table as the engines name it: database (a schema on PostgreSQL) and table.</summary>
public sealed record TableName(string Database, string Table)
{
    public override string ToString() => $"{Database}.{Table}";
}
