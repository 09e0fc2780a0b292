using Ferry.Engine.Connections;

namespace Ferry.MySql;

// Placeholder until the connector branch lands.
public sealed class MySqlFamilyConnector : IConnector
{
    public Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct) => throw new NotImplementedException();
    public ISnapshotSource OpenSnapshotSource(ConnectionInfo connection) => throw new NotImplementedException();
    public IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed) => throw new NotImplementedException();
    public IDestination OpenDestination(ConnectionInfo connection) => throw new NotImplementedException();
}
