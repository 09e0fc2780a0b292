using Ferry.Engine.Changes;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Connections;

/// <summary>How a source table lands in the destination.</summary>
/// <param name="Source">The columns that move, with the source's key: the whole source table, or the column subset the object rules name.</param>
/// <param name="Target">The destination table name.</param>
/// <param name="Filter">Only rows for which it holds move (object rules <c>filters</c>); null: every row.</param>
/// <param name="Full">The whole source table when <paramref name="Source"/> is a column subset; null otherwise.</param>
public sealed record TableMapping(TableSchema Source, TableName Target, Filters.RowFilter? Filter = null, TableSchema? Full = null)
{
    /// <summary>The definition the source's change log follows: row images hold all its columns in its order.</summary>
    public TableSchema Logged => Full ?? Source;

    /// <summary>A row image of <see cref="Logged"/> cut down to the columns of <see cref="Source"/>.</summary>
    public object?[] Project(object?[] image)
    {
        if (Full is null) return image;
        var row = new object?[Source.Columns.Count];
        for (var i = 0; i < row.Length; i++) row[i] = image[Full.IndexOf(Source.Columns[i].Name)];
        return row;
    }
}

/// <summary>Writes to a destination: schema, bulk rows, and change batches with their checkpoint.</summary>
public interface IDestination
{
    /// <summary>
    /// Creates the database and the table (columns, key, indexes) if missing. Returns the DDL it ran.
    /// With <paramref name="deferSecondaryIndexes"/>, non-unique indexes are left for
    /// <see cref="CreateSecondaryIndexesAsync"/> after the bulk load, which is then faster.
    /// </summary>
    Task<string> CreateTableAsync(TableMapping mapping, CancellationToken ct, bool deferSecondaryIndexes = false);

    /// <summary>
    /// The foreign keys and CHECK constraints of the source table, which <see cref="CreateTableAsync"/> leaves
    /// out: statements that add them to the destination table, with referenced tables mapped by <paramref name="target"/>.
    /// </summary>
    IReadOnlyList<DeferredConstraint> DeferredConstraints(TableMapping mapping, Func<TableName, TableName> target) => [];

    /// <summary>
    /// What <see cref="CreateTableAsync"/> leaves out or changes of the source table's objects (an index type the
    /// destination lacks, a prefix index over whole values, a DEFAULT in another dialect, numbering it cannot carry, …),
    /// each naming the object: the project's warnings.
    /// </summary>
    IReadOnlyList<string> SchemaWarnings(TableMapping mapping) => [];

    /// <summary>Creates (or replaces) a view under <paramref name="target"/>, its query's table names mapped by <paramref name="rename"/> (null: unchanged). Returns the DDL it ran.</summary>
    Task<string> CreateViewAsync(ViewSchema view, TableName target, Func<TableName, TableName?> rename, CancellationToken ct) =>
        throw new Errors.FerryException("schema.views-unsupported", "this destination does not take views yet");

    /// <summary>Runs a DDL statement as given (an operator's replacement DDL, a deferred constraint) in <paramref name="database"/>.</summary>
    Task RunDdlAsync(string database, string ddl, CancellationToken ct);

    /// <summary>Adds the source's non-unique indexes that the destination table lacks. Returns the DDL it ran, if any.</summary>
    Task<string?> CreateSecondaryIndexesAsync(TableMapping mapping, CancellationToken ct);

    /// <summary>Writes rows by key, replacing rows whose key exists (so a redone chunk is harmless). Returns rows written.</summary>
    Task<long> BulkLoadAsync(TableMapping mapping, IAsyncEnumerable<object?[]> rows, CancellationToken ct);

    /// <summary>The last committed checkpoint of a stream (e.g. <c>p-1/forward</c>), or null.</summary>
    Task<LogPosition?> ReadCheckpointAsync(string stream, CancellationToken ct);

    /// <summary>
    /// Applies transactions in order, idempotently (upsert / delete by key), and records
    /// <paramref name="checkpoint"/> for <paramref name="stream"/> in the same destination transaction.
    /// </summary>
    Task ApplyAsync(IReadOnlyList<TransactionEvent> transactions, Func<TableName, TableMapping?> map,
        string stream, LogPosition checkpoint, CancellationToken ct);

    /// <summary>
    /// Runs a planned source DDL statement with its tables renamed to <paramref name="targets"/>. It does not
    /// move the checkpoint: the caller records it with the resulting definitions (<see cref="RecordSchemasAsync"/>).
    /// Running it again after a crash between the two is harmless: a change that is already there counts
    /// as done. <paramref name="stream"/> and <paramref name="position"/> (just past the statement) identify it.
    /// Returns the statement that ran.
    /// </summary>
    Task<string> ApplyDdlAsync(DdlEvent ddl, IReadOnlyDictionary<TableName, TableName> targets, string stream, LogPosition position, CancellationToken ct);

    /// <summary>
    /// Renames destination tables in one atomic step, each <c>From</c> to its <c>To</c> (cycles such as swaps
    /// included). The statement at <paramref name="position"/> of <paramref name="stream"/> runs once: a
    /// re-run after a crash before its checkpoint was recorded does nothing. Returns the statement that ran, or null.
    /// </summary>
    Task<string?> RenameTablesAsync(IReadOnlyList<(TableName From, TableName To)> moves, string stream, LogPosition position, CancellationToken ct);

    /// <summary>
    /// Records <paramref name="checkpoint"/> together with the table definitions that take effect there, in one
    /// destination transaction, so the schema history never runs ahead of or behind the checkpoint.
    /// </summary>
    Task RecordSchemasAsync(string stream, LogPosition checkpoint, IReadOnlyList<SchemaHistoryEntry> entries, CancellationToken ct);

    /// <summary>The schema history of a stream, oldest first; every entry is at or before the stream's checkpoint.</summary>
    Task<IReadOnlyList<SchemaHistoryEntry>> ReadSchemaHistoryAsync(string stream, CancellationToken ct);

    /// <summary>
    /// A statement that makes one destination row equal to the source: the source row written by key,
    /// or, when the source has no such row (<paramref name="sourceRow"/> null), the row with <paramref name="key"/> deleted.
    /// </summary>
    string CorrectionStatement(TableMapping mapping, object?[] key, object?[]? sourceRow);

    /// <summary>Records a checkpoint with no rows (heartbeats, out-of-scope transactions).</summary>
    Task WriteCheckpointAsync(string stream, LogPosition checkpoint, CancellationToken ct);

    /// <summary>Removes a stream's checkpoint and schema history (project released).</summary>
    Task DeleteCheckpointAsync(string stream, CancellationToken ct);

    /// <summary>
    /// Switchover: makes the destination table number new rows on from the source's <paramref name="value"/>
    /// (AUTO_INCREMENT counter, or setval of the column's sequence). A PostgreSQL identity column the source
    /// declares ALWAYS becomes ALWAYS here too (the migration writes ids, so it is created BY DEFAULT).
    /// Returns what it ran, or null when the destination column does not number rows (a warning for the caller).
    /// </summary>
    Task<string?> SetIdentityAsync(TableMapping mapping, IdentityValue value, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>
    /// Adds a held-back constraint (<see cref="DeferredConstraints"/>) and checks it against the rows already there:
    /// a foreign key or CHECK the data violates fails, naming it, instead of being added unchecked.
    /// </summary>
    Task AddConstraintAsync(string database, string ddl, CancellationToken ct) => RunDdlAsync(database, ddl, ct);
}
