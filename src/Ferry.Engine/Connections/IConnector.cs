namespace Ferry.Engine.Connections;

/// <summary>One engine family's implementations, created per data source.</summary>
public interface IConnector
{
    Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct);
    ISnapshotSource OpenSnapshotSource(ConnectionInfo connection);
    IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed);
    IDestination OpenDestination(ConnectionInfo connection);
    /// <summary>The destination as a snapshot source, for verification.</summary>
    ISnapshotSource OpenDestinationReader(ConnectionInfo connection) => OpenSnapshotSource(connection);
}
