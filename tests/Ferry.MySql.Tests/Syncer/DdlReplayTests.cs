using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Objects;
using Ferry.Engine.Schema;
using Ferry.Engine.Syncer;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Tests.Binlog;
using Ferry.MySql.Writer;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Syncer;

/// <summary>
/// The writer dies between running a DDL statement on the destination (which auto-commits) and recording
/// the checkpoint past it; the next run replays the statement from the checkpoint before it.
/// </summary>
public sealed class DdlReplayTests
{
    [Fact]
    public async Task A_swap_whose_checkpoint_was_lost_is_not_swapped_back_and_the_rows_around_it_land_exactly()
    {
        await using var dbs = new TestDatabases();
        const string seed = """
            CREATE TABLE a (id INT PRIMARY KEY, tag CHAR(1) NOT NULL);
            INSERT INTO a VALUES (1, 'a'), (2, 'a');
            CREATE TABLE b (id INT PRIMARY KEY, tag CHAR(1) NOT NULL, note VARCHAR(10));
            INSERT INTO b VALUES (1, 'b', 'one'), (2, 'b', 'two'), (3, 'b', 'three');
            """;
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "replay", seed);
        var destDb = await dbs.CreateAsync(TestServers.MariaDbDest, "replay_dst", seed);
        var changes = BinlogReading.NewSource();
        var start = await changes.GetCurrentPositionAsync(default);
        var stream = TestServers.UniqueName("replay-stream");
        var dest = new MySqlDestination(TestDatabases.Dest);
        var selector = new ObjectSelector([new ObjectFilter(db, [])], [], new Dictionary<string, string> { [db] = destDb });

        await TestDatabases.ExecAsync(TestServers.MariaDbSource, db, """
            INSERT INTO a VALUES (3, 'a');
            UPDATE b SET note = 'before' WHERE id = 1;
            RENAME TABLE a TO tmp, b TO a, tmp TO b;
            INSERT INTO a VALUES (4, 'b', 'after');
            INSERT INTO b VALUES (4, 'a');
            DELETE FROM a WHERE id = 2;
            """);
        try
        {
            // The first run applies the rows before the statement, records the checkpoint right before it,
            // swaps the destination tables and dies.
            var crashing = new CrashingAfterRename(dest);
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                await Assert.ThrowsAsync<SimulatedCrash>(() =>
                    Applier(changes, crashing, db, destDb, stream, start, selector, firstRun: true).RunAsync(_ => Task.CompletedTask, cts.Token));
            Assert.True(crashing.Renamed);

            using var run = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var second = Applier(changes, dest, db, destDb, stream, start, selector, firstRun: false).RunAsync(_ => Task.CompletedTask, run.Token);
            foreach (var table in new[] { "a", "b" })
            {
                while (!run.IsCancellationRequested && !second.IsCompleted)
                {
                    var s = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, db, table);
                    var d = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, destDb, table);
                    if (s.SequenceEqual(d)) break;
                    await Task.Delay(200);
                }
                if (second.IsFaulted) await second;
                await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, table, destDb);
            }
            await run.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        }
        finally { await dest.DeleteCheckpointAsync(stream, default); }
    }

    private static ChangeApplier Applier(IChangeSource changes, IDestination dest, string db, string destDb, string stream, LogPosition start,
        ObjectSelector selector, bool firstRun)
    {
        // The first run starts as if it had read the definitions before the statement; the second gets what the
        // writer grain passes after a restart, the source's current (swapped) definitions.
        var a = new TableSchema(new TableName(db, "a"), [Int("id"), Char("tag")], ["id"]);
        var b = new TableSchema(new TableName(db, "b"), [Int("id"), Char("tag"), Text("note")], ["id"]);
        var current = firstRun ? new[] { a, b } : [b with { Name = a.Name }, a with { Name = b.Name }];
        var mappings = current.Select(t => new TableMapping(t, new TableName(destDb, t.Name.Table))).ToList();
        return new ChangeApplier(changes, dest, mappings, stream, start, schemas: new MySqlSnapshotSource(TestDatabases.Dest), selector: selector);
    }

    private static ColumnSchema Int(string name) => new(name, "int", "int(11)", IsNullable: false);
    private static ColumnSchema Char(string name) => new(name, "char", "char(1)", IsNullable: false, Charset: "utf8mb4");
    private static ColumnSchema Text(string name) => new(name, "varchar", "varchar(10)", IsNullable: true, Charset: "utf8mb4");

    private sealed class SimulatedCrash() : Exception("the writer died");

    /// <summary>The real destination, except that the process "dies" right after a rename ran there.</summary>
    private sealed class CrashingAfterRename(IDestination inner) : IDestination
    {
        public bool Renamed { get; private set; }

        public async Task<string?> RenameTablesAsync(IReadOnlyList<(TableName From, TableName To)> moves, string stream, LogPosition position, CancellationToken ct)
        {
            var sql = await inner.RenameTablesAsync(moves, stream, position, ct);
            Renamed = sql is not null;
            throw new SimulatedCrash();
        }

        public Task<string> CreateTableAsync(TableMapping mapping, CancellationToken ct, bool deferSecondaryIndexes = false) => inner.CreateTableAsync(mapping, ct, deferSecondaryIndexes);
        public Task<string?> CreateSecondaryIndexesAsync(TableMapping mapping, CancellationToken ct) => inner.CreateSecondaryIndexesAsync(mapping, ct);
        public Task<long> BulkLoadAsync(TableMapping mapping, IAsyncEnumerable<object?[]> rows, CancellationToken ct) => inner.BulkLoadAsync(mapping, rows, ct);
        public Task<LogPosition?> ReadCheckpointAsync(string stream, CancellationToken ct) => inner.ReadCheckpointAsync(stream, ct);
        public Task ApplyAsync(IReadOnlyList<TransactionEvent> transactions, Func<TableName, TableMapping?> map, string stream, LogPosition checkpoint, CancellationToken ct) =>
            inner.ApplyAsync(transactions, map, stream, checkpoint, ct);
        public Task<string> ApplyDdlAsync(DdlEvent ddl, IReadOnlyDictionary<TableName, TableName> targets, string stream, LogPosition position, CancellationToken ct) =>
            inner.ApplyDdlAsync(ddl, targets, stream, position, ct);
        public Task RecordSchemasAsync(string stream, LogPosition checkpoint, IReadOnlyList<SchemaHistoryEntry> entries, CancellationToken ct) =>
            inner.RecordSchemasAsync(stream, checkpoint, entries, ct);
        public Task<IReadOnlyList<SchemaHistoryEntry>> ReadSchemaHistoryAsync(string stream, CancellationToken ct) => inner.ReadSchemaHistoryAsync(stream, ct);
        public string CorrectionStatement(TableMapping mapping, object?[] key, object?[]? sourceRow) => inner.CorrectionStatement(mapping, key, sourceRow);
        public Task WriteCheckpointAsync(string stream, LogPosition checkpoint, CancellationToken ct) => inner.WriteCheckpointAsync(stream, checkpoint, ct);
        public Task DeleteCheckpointAsync(string stream, CancellationToken ct) => inner.DeleteCheckpointAsync(stream, ct);
        public Task RunDdlAsync(string database, string ddl, CancellationToken ct) => inner.RunDdlAsync(database, ddl, ct);
    }
}
