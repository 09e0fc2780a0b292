using Ferry.Engine.Connections;
using Ferry.PostgreSql.Probe;
using Ferry.PostgreSql.Replication;
using Ferry.PostgreSql.Snapshot;
using Ferry.PostgreSql.Writer;

namespace Ferry.PostgreSql;

/// <summary>PostgreSQL: one database per data source, its schemas standing for Ferry's databases.</summary>
public sealed class PostgreSqlConnector : IConnector
{
    public Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct) =>
        PostgreSqlProbe.TestAsync(connection, asSource, ct);

    public ISnapshotSource OpenSnapshotSource(ConnectionInfo connection) => new PostgreSqlSnapshotSource(connection);

    /// <param name="serverIdSeed">The stream's identity: it names the slot and publication, so a restarted stream finds them again.</param>
    public IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed) => new PostgreSqlChangeSource(connection, serverIdSeed);

    public IDestination OpenDestination(ConnectionInfo connection) => new PostgreSqlDestination(connection);
}
