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

    public IConnector For(EngineKind kind) => kind.IsMySqlFamily()
        ? _mysql
        : throw new FerryException("datasource.unsupported", $"{kind} data sources are not supported yet");

    /// <summary>What a component needs of a stored data source; the password stays encrypted.</summary>
    public static DataSourceSecret SecretOf(Abstractions.DataSources.DataSourceRecord r) =>
        new(r.Type, r.Host, r.Port, r.User, r.ProtectedPassword, r.Database, r.Options);

    public ConnectionInfo Open(Abstractions.DataSources.DataSourceRecord ds) => Open(SecretOf(ds));

    public ConnectionInfo Open(DataSourceSecret ds) =>
        new(ParseKind(ds.Type), ds.Host, ds.Port, ds.User, secrets.Unprotect(ds.ProtectedPassword), ds.Database, ds.Options);
}
