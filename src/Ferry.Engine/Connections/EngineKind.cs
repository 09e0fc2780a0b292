namespace Ferry.Engine.Connections;

/// <summary>The database engines Ferry speaks to (api.md data source <c>type</c>).</summary>
public enum EngineKind
{
    MySql,
    MariaDb,
    OceanBaseMySql,
    TiDb,
    PostgreSql,
    Kafka,
}

public static class EngineKinds
{
    public static bool IsMySqlFamily(this EngineKind kind) =>
        kind is EngineKind.MySql or EngineKind.MariaDb or EngineKind.OceanBaseMySql or EngineKind.TiDb;
}
