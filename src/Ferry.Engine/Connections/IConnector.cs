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

    /// <summary>
    /// The current end of the source's log (MySQL family: SHOW MASTER STATUS with the GTID position; PostgreSQL:
    /// pg_current_wal_insert_lsn(), which covers asynchronous commits too), without creating anything: switchover waits for the writer to reach it.
    /// </summary>
    Task<Changes.LogPosition> CurrentPositionAsync(ConnectionInfo connection, CancellationToken ct) =>
        throw new Errors.FerryException("switchover.unsupported", "this source cannot report its log position");

    /// <summary>Orders two positions of this engine's log: negative when <paramref name="a"/> is before <paramref name="b"/>.</summary>
    int ComparePositions(Changes.LogPosition a, Changes.LogPosition b) =>
        throw new Errors.FerryException("switchover.unsupported", "this source cannot order log positions");
}
