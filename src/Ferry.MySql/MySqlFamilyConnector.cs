using Ferry.Engine.Connections;
using Ferry.MySql.Binlog;
using Ferry.MySql.Probe;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;

namespace Ferry.MySql;

/// <summary>MySQL, MariaDB, OceanBase (MySQL mode) and TiDB: one wire protocol, one connector.</summary>
public sealed class MySqlFamilyConnector : IConnector
{
    public const uint MinServerId = 1_000_000;
    public const uint MaxServerId = 4_000_000_000;

    public Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct) =>
        MySqlProbe.TestAsync(connection, asSource, ct);

    public ISnapshotSource OpenSnapshotSource(ConnectionInfo connection) => new MySqlSnapshotSource(connection);

    public IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed) =>
        new MySqlChangeSource(connection, ServerIdFor(serverIdSeed));

    public IDestination OpenDestination(ConnectionInfo connection) => new MySqlDestination(connection);

    /// <summary>PostgreSQL tables get MySQL types and values by the cross-engine type table.</summary>
    public IDestination OpenDestination(ConnectionInfo connection, EngineKind sourceEngine) =>
        sourceEngine == EngineKind.PostgreSql ? new MySqlDestination(connection, PostgreSqlToMySqlMapper.Instance) : new MySqlDestination(connection);

    /// <summary>
    /// A replica server id that is the same for a stream across restarts (so the source sees one replica
    /// reconnecting, not a new one each time) and far from the small ids humans give real replicas.
    /// </summary>
    public static uint ServerIdFor(string seed)
    {
        // FNV-1a: stable across processes, unlike string.GetHashCode
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(seed))
            hash = unchecked((hash ^ b) * 16777619u);
        return MinServerId + hash % (MaxServerId - MinServerId + 1);
    }
}
