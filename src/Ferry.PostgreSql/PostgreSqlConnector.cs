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

    /// <summary>
    /// The change source publishing only <paramref name="tables"/>: what a project should use, since a publication
    /// FOR ALL TABLES needs a superuser and makes UPDATE/DELETE fail on every source table without a replica identity.
    /// </summary>
    public IChangeSource OpenChangeSource(ConnectionInfo connection, string serverIdSeed, IReadOnlyCollection<Engine.Schema.TableName> tables) =>
        new PostgreSqlChangeSource(connection, serverIdSeed) { Tables = tables };

    /// <summary>Adds tables to the stream's publication before they are copied, so none of their changes after the copy is missed.</summary>
    public Task IncludeTablesAsync(ConnectionInfo connection, string serverIdSeed, IReadOnlyCollection<Engine.Schema.TableName> tables, CancellationToken ct) =>
        new PostgreSqlChangeSource(connection, serverIdSeed) { Tables = tables }.PublishAsync(ct);

    /// <summary>Replica identity problems of the tables a stream would publish (see <see cref="PostgreSqlChangeSource.CheckReplicaIdentityAsync"/>).</summary>
    public Task<IReadOnlyList<string>> StreamProblemsAsync(ConnectionInfo connection, IReadOnlyCollection<Engine.Schema.TableName> tables, CancellationToken ct) =>
        new PostgreSqlChangeSource(connection, "precheck").CheckReplicaIdentityAsync(tables, ct);

    /// <summary>Drops the stream's slot and publication (project released), so the source stops keeping WAL for it.</summary>
    public Task ReleaseStreamAsync(ConnectionInfo connection, string serverIdSeed, CancellationToken ct) =>
        new PostgreSqlChangeSource(connection, serverIdSeed).DropAsync(ct);

    public IDestination OpenDestination(ConnectionInfo connection) => new PostgreSqlDestination(connection);

    /// <summary>
    /// pg_current_wal_insert_lsn(): every transaction committed before the call ends at or before it. Not
    /// pg_current_wal_lsn(), the position written out so far: under asynchronous commit (synchronous_commit = off, for
    /// the server or one session) COMMIT returns before its WAL is written, so that position can stand before the
    /// last commits, and a sync wait on it would pass while they are still on their way.
    /// </summary>
    public async Task<Engine.Changes.LogPosition> CurrentPositionAsync(ConnectionInfo connection, CancellationToken ct)
    {
        await using var c = await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false);
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT pg_catalog.pg_current_wal_insert_lsn()::text", c);
        return new Engine.Changes.LogPosition((string)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!);
    }

    public int ComparePositions(Engine.Changes.LogPosition a, Engine.Changes.LogPosition b) =>
        NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(a.Value).CompareTo(NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(b.Value));

    /// <summary>MySQL-family tables get PostgreSQL types and values by the cross-engine type table.</summary>
    public IDestination OpenDestination(ConnectionInfo connection, EngineKind sourceEngine) =>
        sourceEngine.IsMySqlFamily() ? new PostgreSqlDestination(connection, MySqlToPostgreSqlTypeMapper.Instance) : new PostgreSqlDestination(connection);
}
