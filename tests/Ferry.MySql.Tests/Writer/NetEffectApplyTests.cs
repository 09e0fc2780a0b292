using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Writer;

/// <summary>
/// A batch of many source transactions is written as its net effect per key (deletes first, then the final
/// images with one multi-row REPLACE): every sequence of changes on one key ends as the source's row.
/// </summary>
public sealed class NetEffectApplyTests
{
    private const string Table =
        """
        CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, u VARCHAR(20) NOT NULL, d DECIMAL(10,2), g BIGINT AS (id * 2) STORED,
          UNIQUE KEY uk (u)) DEFAULT CHARSET=utf8mb4;
        CREATE TABLE nokey (a INT NOT NULL, v VARCHAR(10));
        """;

    private static object?[] Row(long id, string u, string? d = null) => [id, u, d, id * 2];
    private static RowChange Ins(TableName t, object?[] after) => new(t, ChangeKind.Insert, null, after);
    private static RowChange Upd(TableName t, object?[] before, object?[] after) => new(t, ChangeKind.Update, before, after);
    private static RowChange Del(TableName t, object?[] before) => new(t, ChangeKind.Delete, before, null);
    private static TransactionEvent Tx(params RowChange[] rows) => new(rows, new LogPosition("x"), DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_batch_is_written_as_its_net_effect_per_key_and_converges_on_replay()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "applyperf_net", Table);
        var targetDb = dbs.Reserve(TestServers.MariaDbDest, "applyperf_net_dst");
        var reader = new MySqlSnapshotSource(TestDatabases.Source);
        var mapping = new TableMapping((await reader.ReadTableAsync(new TableName(db, "t"), default))!, new TableName(targetDb, "t"));
        var keyless = new TableMapping((await reader.ReadTableAsync(new TableName(db, "nokey"), default))!, new TableName(targetDb, "nokey"));
        var dest = new MySqlDestination(TestDatabases.Dest);
        await dest.CreateTableAsync(mapping, default);
        await dest.CreateTableAsync(keyless, default);
        var t = mapping.Source.Name;
        var n = keyless.Source.Name;
        TableMapping? Map(TableName x) => x == t ? mapping : x == n ? keyless : null;

        // both sides start from the same copy
        const string initial = "INSERT INTO t (id, u) VALUES (1, 'a'), (2, 'b'), (10, 's1'), (11, 's2'), (20, 'k'); INSERT INTO nokey VALUES (1, 'x'), (1, 'x');";
        await TestDatabases.ExecAsync(TestServers.MariaDbSource, db, initial);
        await TestDatabases.ExecAsync(TestServers.MariaDbDest, targetDb, initial);
        await TestDatabases.ExecAsync(TestServers.MariaDbSource, db,
            """
            INSERT INTO t (id, u) VALUES (3, 'c'); UPDATE t SET u = 'c2' WHERE id = 3; DELETE FROM t WHERE id = 3;
            UPDATE t SET u = 'a1' WHERE id = 1; UPDATE t SET u = 'a2', d = 7.00 WHERE id = 1;
            DELETE FROM t WHERE id = 2; INSERT INTO t (id, u) VALUES (2, 'b2');
            UPDATE t SET id = 21 WHERE id = 20; UPDATE t SET id = 20, d = 1.00 WHERE id = 21;
            UPDATE t SET u = 'tmp' WHERE id = 10; UPDATE t SET u = 's1' WHERE id = 11; UPDATE t SET u = 's2' WHERE id = 10;
            INSERT INTO t (id, u) VALUES (4, 'a');
            DELETE FROM t WHERE id = 4; UPDATE t SET id = 4 WHERE id = 2;
            UPDATE nokey SET v = 'y' LIMIT 1; INSERT INTO nokey VALUES (2, 'z'); DELETE FROM nokey WHERE a = 1 AND v = 'x';
            """);
        var batch = new[]
        {
            Tx(Ins(t, Row(3, "c")), Upd(t, Row(3, "c"), Row(3, "c2")), Del(t, Row(3, "c2"))),       // insert, update, delete: gone
            Tx(Upd(t, Row(1, "a"), Row(1, "a1")), Upd(t, Row(1, "a1"), Row(1, "a2", "7.00"))),      // last image wins
            Tx(Del(t, Row(2, "b")), Ins(t, Row(2, "b2"))),                                          // delete, then re-insert
            Tx(Upd(t, Row(20, "k"), Row(21, "k")), Upd(t, Row(21, "k"), Row(20, "k", "1.00"))),     // key chain A → B → A
            Tx(Upd(t, Row(10, "s1"), Row(10, "tmp")), Upd(t, Row(11, "s2"), Row(11, "s1")), Upd(t, Row(10, "tmp"), Row(10, "s2"))), // unique swap
            Tx(Ins(t, Row(4, "a"))),                                                                 // a freed unique value reused
            Tx(Del(t, Row(4, "a")), Upd(t, Row(2, "b2"), Row(4, "b2"))),                            // a key moves onto a deleted key
            Tx(new RowChange(n, ChangeKind.Update, [1, "x"], [1, "y"]), Ins(n, [2, "z"]), Del(n, [1, "x"])),
        };

        // the reduction: one final operation per changed key, deletes apart; the keyless table keeps its order
        var plan = ChangeOps.Net(ChangeOps.From(batch, Map));
        Assert.Equal(new long[] { 2, 3, 21 }, plan.Deletes.Select(o => (long)o.Values[0]!).Order().ToArray());
        Assert.Equal(new long[] { 1, 4, 10, 11, 20 }, plan.Upserts.Select(o => (long)o.Values[0]!).Order().ToArray());
        Assert.Equal("s2", plan.Upserts.Single(o => (long)o.Values[0]! == 10).Values[1]);
        Assert.Equal([ChangeOps.Kind.UpdateRow, ChangeOps.Kind.Insert, ChangeOps.Kind.DeleteRow], plan.Ordered.Select(o => o.Kind));

        var stream = TestServers.UniqueName("applyperf_stream");
        try
        {
            await dest.ApplyAsync(batch, Map, stream, new LogPosition("bin.000001:100"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", targetDb);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "nokey", targetDb);
            Assert.Equal(new LogPosition("bin.000001:100"), await dest.ReadCheckpointAsync(stream, default));
            // replayed from a checkpoint inside the batch, then from before it (keyless rows are not idempotent: left out)
            await dest.ApplyAsync(batch[3..7], Map, stream, new LogPosition("bin.000001:100"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", targetDb);
            await dest.ApplyAsync(batch[..7], Map, stream, new LogPosition("bin.000001:100"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", targetDb);
        }
        finally
        {
            await dest.DeleteCheckpointAsync(stream, default);
        }
    }
}
