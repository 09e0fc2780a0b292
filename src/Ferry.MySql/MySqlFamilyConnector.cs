using Ferry.Engine.Connections;
using Ferry.MySql.Binlog;
using Ferry.MySql.Probe;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;

namespace Ferry.MySql;

/// <summary>MySQL, MariaDB, OceanBase (MySQL mode) and TiDB.</summary>
public sealed class MySqlFamilyConnector : IConnector
{
    public Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct) =>
        MySqlProbe.TestAsync(connection, asSource, ct);

    public ISnapshotSource OpenSnapshotSource(ConnectionInfo connection) => new MySqlSnapshotSource(connection);

    public IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed) =>
        new MySqlChangeSource(connection, ServerId(serverIdSeed));

    public IDestination OpenDestination(ConnectionInfo connection) => new MySqlDestination(connection);

    /// <summary>A stable replica server id per reader, away from the small ids servers usually use.</summary>
    public static uint ServerId(string seed)
    {
        uint h = 2166136261;
        foreach (var ch in seed) h = (h ^ ch) * 16777619;
        return 1_000_000 + h % 3_000_000_000;
    }
}
