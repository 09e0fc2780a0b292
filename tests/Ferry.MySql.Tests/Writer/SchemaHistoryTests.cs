using Ferry.Engine.Changes;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Writer;

public sealed class SchemaHistoryTests
{
    [Fact]
    public async Task Definitions_are_recorded_with_the_checkpoint_and_read_back_in_order()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbDest, "hist", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10) CHARACTER SET latin1, g INT AS (id + 1) VIRTUAL)");
        var dest = new MySqlDestination(TestDatabases.Dest);
        var stream = TestServers.UniqueName("hist-stream");
        var table = new TableName(db, "t");
        var schema = (await new MySqlSnapshotSource(TestDatabases.Dest).ReadTableAsync(table, default))!;
        try
        {
            await dest.RecordSchemasAsync(stream, new LogPosition("bin.000001:100"),
                [new SchemaHistoryEntry(table, new LogPosition("bin.000001:100"), schema, new TableName("x", "y"), "first")], default);
            await dest.RecordSchemasAsync(stream, new LogPosition("bin.000001:200"),
                [new SchemaHistoryEntry(table, new LogPosition("bin.000001:200"), null, null, "dropped")], default);

            Assert.Equal(new LogPosition("bin.000001:200"), await dest.ReadCheckpointAsync(stream, default));
            var history = await dest.ReadSchemaHistoryAsync(stream, default);
            Assert.Equal(2, history.Count);
            var first = history[0];
            Assert.Equal(table, first.Table);
            Assert.Equal(new TableName("x", "y"), first.Target);
            Assert.Equal(schema.Columns, first.Schema!.Columns);
            Assert.Equal(schema.Key, first.Schema.Key);
            Assert.Equal(schema.CreateStatement, first.Schema.CreateStatement);
            Assert.True(first.Schema.Columns[2].IsGenerated);
            Assert.Null(history[1].Schema);
            Assert.Equal("dropped", history[1].Note);

            await dest.DeleteCheckpointAsync(stream, default);
            Assert.Empty(await dest.ReadSchemaHistoryAsync(stream, default));
            Assert.Null(await dest.ReadCheckpointAsync(stream, default));
        }
        finally { await dest.DeleteCheckpointAsync(stream, default); }
    }

    [Fact]
    public async Task A_swap_runs_once_even_when_the_statement_is_replayed()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbDest, "swap",
            "CREATE TABLE a (id INT PRIMARY KEY); INSERT INTO a VALUES (1); CREATE TABLE b (id INT PRIMARY KEY); INSERT INTO b VALUES (2)");
        var dest = new MySqlDestination(TestDatabases.Dest);
        var stream = TestServers.UniqueName("swap-stream");
        TableName A = new(db, "a"), B = new(db, "b");
        var position = new LogPosition("bin.000001:300");

        Assert.NotNull(await dest.RenameTablesAsync([(A, B), (B, A)], stream, position, default));
        // A crash before the checkpoint was recorded: the statement comes again and must not swap back.
        Assert.Null(await dest.RenameTablesAsync([(A, B), (B, A)], stream, position, default));
        Assert.Equal(2L, Convert.ToInt64(await TestDatabases.ScalarAsync(TestServers.MariaDbDest, db, "SELECT id FROM a")));
        Assert.Equal(1L, Convert.ToInt64(await TestDatabases.ScalarAsync(TestServers.MariaDbDest, db, "SELECT id FROM b")));

        // The next rename, at another position, runs.
        Assert.NotNull(await dest.RenameTablesAsync([(A, new TableName(db, "c"))], stream, new LogPosition("bin.000001:400"), default));
        Assert.Equal(2L, Convert.ToInt64(await TestDatabases.ScalarAsync(TestServers.MariaDbDest, db, "SELECT id FROM c")));

        // Releasing the stream leaves no marker behind.
        await dest.DeleteCheckpointAsync(stream, default);
        Assert.NotNull(await dest.RenameTablesAsync([(new TableName(db, "c"), A)], stream, new LogPosition("bin.000001:400"), default));
    }
}
