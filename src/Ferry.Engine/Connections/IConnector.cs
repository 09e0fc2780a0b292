namespace Ferry.Engine.Connections;

/// <summary>One engine family's implementations, created per data source.</summary>
public interface IConnector
{
    Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct);
    ISnapshotSource OpenSnapshotSource(ConnectionInfo connection);
    IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed);

    /// <summary>The change source of a stream that follows <paramref name="tables"/> (a PostgreSQL publication names them).</summary>
    IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed, IReadOnlyCollection<Schema.TableName> tables) =>
        OpenChangeSource(connection, serverIdSeed);

    /// <summary>
    /// Makes the stream's log carry <paramref name="tables"/> from now on, before they are copied (PostgreSQL adds them
    /// to the publication; a binlog carries every table anyway).
    /// </summary>
    Task IncludeTablesAsync(ConnectionInfo connection, string serverIdSeed, IReadOnlyCollection<Schema.TableName> tables, CancellationToken ct) =>
        Task.CompletedTask;

    /// <summary>
    /// Tables among <paramref name="tables"/> whose changes the stream could not follow, or whose publishing would make
    /// the source's own UPDATE and DELETE fail (PostgreSQL replica identity), each with what to do about it.
    /// </summary>
    Task<IReadOnlyList<string>> StreamProblemsAsync(ConnectionInfo connection, IReadOnlyCollection<Schema.TableName> tables, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>Forgets a released stream on the source (PostgreSQL: drops its slot and publication, so WAL is no longer kept).</summary>
    Task ReleaseStreamAsync(ConnectionInfo connection, string serverIdSeed, CancellationToken ct) => Task.CompletedTask;
    IDestination OpenDestination(ConnectionInfo connection);

    /// <summary>
    /// The destination of rows read from a <paramref name="sourceEngine"/> source: another engine's tables and
    /// values are mapped to this one's (<see cref="Mapping.TypeMapping"/>).
    /// </summary>
    IDestination OpenDestination(ConnectionInfo connection, EngineKind sourceEngine) => OpenDestination(connection);
    /// <summary>The destination as a snapshot source, for verification.</summary>
    ISnapshotSource OpenDestinationReader(ConnectionInfo connection) => OpenSnapshotSource(connection);
}
