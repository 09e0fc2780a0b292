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

    public Task<Engine.Changes.LogPosition> CurrentPositionAsync(ConnectionInfo connection, CancellationToken ct) =>
        new MySqlChangeSource(connection, MinServerId).GetCurrentPositionAsync(ct);

    /// <summary>By binlog file (its numeric extension), then offset; the GTID part follows the file position on one server.</summary>
    public int ComparePositions(Engine.Changes.LogPosition a, Engine.Changes.LogPosition b)
    {
        var (fileA, offsetA, _, _) = MySqlChangeSource.Parse(a);
        var (fileB, offsetB, _, _) = MySqlChangeSource.Parse(b);
        static long Sequence(string file) => long.TryParse(file[(file.LastIndexOf('.') + 1)..], out var n) ? n : 0;
        var byFile = Sequence(fileA).CompareTo(Sequence(fileB));
        return byFile != 0 ? byFile : offsetA.CompareTo(offsetB);
    }

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
