using Ferry.Abstractions.Components;
using Ferry.Abstractions.Security;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.MySql;

namespace Ferry.Grains.Connectors;

/// <summary>Turns a stored data source into a live connector, decrypting its password only here.</summary>
public sealed class ConnectorCatalog(ISecretProtector secrets)
{
    private readonly MySqlFamilyConnector _mysql = new();
    private readonly PostgreSql.PostgreSqlConnector _postgresql = new();

    public static EngineKind ParseKind(string type) => type switch
    {
        "mysql" => EngineKind.MySql,
        "mariadb" => EngineKind.MariaDb,
        "oceanbase-mysql" => EngineKind.OceanBaseMySql,
        "tidb" => EngineKind.TiDb,
        "postgresql" => EngineKind.PostgreSql,
        "kafka" => EngineKind.Kafka,
        _ => throw new FerryException("datasource.unknown-type", $"unknown data source type '{type}'"),
    };

    public IConnector For(EngineKind kind) => kind switch
    {
        _ when kind.IsMySqlFamily() => _mysql,
        EngineKind.PostgreSql => _postgresql,
        _ => throw new FerryException("datasource.unsupported", $"{kind} data sources are not supported yet"),
    };

    /// <summary>What a component needs of a stored data source; the password stays encrypted.</summary>
    public static DataSourceSecret SecretOf(Abstractions.DataSources.DataSourceRecord r) =>
        new(r.Type, r.Host, r.Port, r.User, r.ProtectedPassword, r.Database, r.Options);

    public ConnectionInfo Open(Abstractions.DataSources.DataSourceRecord ds) => Open(SecretOf(ds));

    /// <summary>A PostgreSQL data source connects to one database, <c>postgres</c> unless it names another.</summary>
    public ConnectionInfo Open(DataSourceSecret ds)
    {
        var kind = ParseKind(ds.Type);
        var database = kind == EngineKind.PostgreSql && string.IsNullOrWhiteSpace(ds.Database) ? "postgres" : ds.Database;
        return new(kind, ds.Host, ds.Port, ds.User, secrets.Unprotect(ds.ProtectedPassword), database, ds.Options);
    }
}
