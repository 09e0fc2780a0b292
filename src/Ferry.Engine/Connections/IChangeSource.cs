using Ferry.Engine.Changes;

namespace Ferry.Engine.Connections;

/// <summary>Reads a source's change log (binlog, logical replication).</summary>
public interface IChangeSource
{
    /// <summary>The current end of the log: changes committed after this call are at or after it.</summary>
    Task<LogPosition> GetCurrentPositionAsync(CancellationToken ct);

    /// <summary>
    /// Committed changes from <paramref name="from"/> on, forever (heartbeats while idle), until cancelled.
    /// Transactions touching no table accepted by <paramref name="inScope"/> come as heartbeats.
    /// </summary>
    IAsyncEnumerable<ChangeEvent> ReadAsync(LogPosition from, Func<Schema.TableName, bool> inScope, CancellationToken ct);

    /// <summary>
    /// The writer has committed everything before <paramref name="position"/> (its checkpoint): a source that keeps
    /// its log for the reader (a PostgreSQL replication slot) may release what lies before it. Sources whose log
    /// retention does not depend on the reader (the binlog) ignore it.
    /// </summary>
    void Acknowledge(LogPosition position) { }

    /// <summary>
    /// Whether a change's before image always holds the whole old row (a binlog with binlog_row_image=FULL);
    /// otherwise it may hold only the key, or be absent, and must not be judged by a row filter.
    /// </summary>
    bool FullBeforeImages => true;

    /// <summary>
    /// The definitions row images follow at the position reading starts from (the writer's schema history). A source
    /// whose log describes tables (pgoutput relation messages) compares what it reads against them and yields a
    /// <see cref="DdlEvent"/> with a <see cref="ColumnChange"/> where they differ. <paramref name="changedAtStart"/>:
    /// tables whose definition was recorded by a column change inside the transaction right after the start position,
    /// so that transaction's images of them before the change were committed already.
    /// </summary>
    void Follow(IReadOnlyDictionary<Schema.TableName, Schema.TableSchema> definitions, IReadOnlySet<Schema.TableName> changedAtStart) { }
}
