using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Writer;

public sealed class ApplyTests
{
    private const string Table =
        """
        CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, u VARCHAR(20) NOT NULL, d DECIMAL(10,2), ts TIMESTAMP(6) NULL DEFAULT NULL,
          b VARBINARY(10), g BIGINT AS (id * 2) STORED, UNIQUE KEY uk (u)) DEFAULT CHARSET=utf8mb4;
        """;

    private static readonly DateTime Ts1 = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private static object?[] Row(long id, string u, string? d = null, DateTime? ts = null, byte[]? b = null) => [id, u, d, ts, b, id * 2];

    private static RowChange Ins(TableName t, object?[] after) => new(t, ChangeKind.Insert, null, after);
    private static RowChange Upd(TableName t, object?[] before, object?[] after) => new(t, ChangeKind.Update, before, after);
    private static RowChange Del(TableName t, object?[] before) => new(t, ChangeKind.Delete, before, null);
    private static TransactionEvent Tx(params RowChange[] rows) => new(rows, new LogPosition("x"), DateTimeOffset.UtcNow);

    private static async Task<(string Db, string TargetDb, TableMapping Mapping, MySqlDestination Dest)> SetUpAsync(TestDatabases dbs, string prefix, string ddl = Table)
    {
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, prefix, ddl);
        var targetDb = dbs.Reserve(TestServers.MariaDbDest, prefix + "_dst");
        var table = (await new MySqlSnapshotSource(TestDatabases.Source).ReadTableAsync(new TableName(db, "t"), default))!;
        var mapping = new TableMapping(table, new TableName(targetDb, "t"));
        var dest = new MySqlDestination(TestDatabases.Dest);
        await dest.CreateTableAsync(mapping, default);
        return (db, targetDb, mapping, dest);
    }

    [Fact]
    public async Task Applying_a_batch_twice_converges_to_the_source_and_records_the_checkpoint()
    {
        await using var dbs = new TestDatabases();
        var (db, targetDb, mapping, dest) = await SetUpAsync(dbs, "apply");
        var t = mapping.Source.Name;
        var r1 = Row(1, "a", "1.50", Ts1, [1, 0]);
        var r2 = Row(2, "b", "2.00");
        var r3 = Row(3, "c", "-3.25", new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9999990), [0]);
        var r4 = Row(4, "d", "4.00", null, []);
        var r5 = Row(5, "e", "5.00");
        var batch = new[]
        {
            Tx(Ins(t, r1), Ins(t, r2), Ins(t, r3), Ins(t, r4)),
            Tx(Upd(t, r2, Row(2, "bb", "2.50")), Upd(t, r3, Row(30, "c", "-3.25", (DateTime)r3[3]!, [0])), Del(t, r4)),
            Tx(Ins(t, r5), Upd(t, r5, Row(6, "e", "5.00")), Upd(t, Row(6, "e", "5.00"), Row(7, "e2", "5.00"))),
        };
        await TestDatabases.ExecAsync(TestServers.MariaDbSource, db,
            """
            INSERT INTO t (id, u, d, ts, b) VALUES (1, 'a', 1.50, '2024-01-02 03:04:05', 0x0100), (2, 'b', 2.00, NULL, NULL),
              (3, 'c', -3.25, '1999-12-31 23:59:59.999999', 0x00), (4, 'd', 4.00, NULL, '');
            UPDATE t SET u = 'bb', d = 2.50 WHERE id = 2; UPDATE t SET id = 30 WHERE id = 3; DELETE FROM t WHERE id = 4;
            INSERT INTO t (id, u, d) VALUES (5, 'e', 5.00); UPDATE t SET id = 6 WHERE id = 5; UPDATE t SET id = 7, u = 'e2' WHERE id = 6;
            """);
        var stream = TestServers.UniqueName("stream");
        try
        {
            Assert.Null(await dest.ReadCheckpointAsync(stream, default));
            await dest.ApplyAsync(batch, _ => mapping, stream, new LogPosition("bin.000001:100"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", targetDb);
            await dest.ApplyAsync(batch, _ => mapping, stream, new LogPosition("bin.000001:200"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", targetDb);
            Assert.Equal(new LogPosition("bin.000001:200"), await dest.ReadCheckpointAsync(stream, default));

            await dest.WriteCheckpointAsync(stream, new LogPosition("bin.000002:4"), default);
            Assert.Equal(new LogPosition("bin.000002:4"), await dest.ReadCheckpointAsync(stream, default));
        }
        finally
        {
            await dest.DeleteCheckpointAsync(stream, default);
        }
        Assert.Null(await dest.ReadCheckpointAsync(stream, default));
    }

    [Fact]
    public async Task Replay_over_a_later_copy_converges_despite_a_second_unique_key()
    {
        await using var dbs = new TestDatabases();
        var (db, targetDb, mapping, dest) = await SetUpAsync(dbs, "replay");
        var t = mapping.Source.Name;
        // the copy already holds the final state; the log from before the copy is replayed over it
        await TestDatabases.ExecAsync(TestServers.MariaDbSource, db, "INSERT INTO t (id, u) VALUES (1, 'y'), (2, 'x');");
        await TestDatabases.ExecAsync(TestServers.MariaDbDest, targetDb, "INSERT INTO t (id, u) VALUES (1, 'y'), (2, 'x');");
        var stream = TestServers.UniqueName("stream");
        try
        {
            await dest.ApplyAsync([Tx(Ins(t, Row(1, "x"))), Tx(Upd(t, Row(1, "x"), Row(1, "y"))), Tx(Ins(t, Row(2, "x")))],
                _ => mapping, stream, new LogPosition("p"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", targetDb);
        }
        finally
        {
            await dest.DeleteCheckpointAsync(stream, default);
        }
    }

    [Fact]
    public async Task A_failing_batch_rolls_back_rows_and_checkpoint()
    {
        await using var dbs = new TestDatabases();
        var (_, targetDb, mapping, dest) = await SetUpAsync(dbs, "rollback");
        var t = mapping.Source.Name;
        var stream = TestServers.UniqueName("stream");
        try
        {
            await dest.ApplyAsync([Tx(Ins(t, Row(1, "a")))], _ => mapping, stream, new LogPosition("pos-1"), default);
            var bad = new[]
            {
                Tx(Ins(t, Row(100, "ok")), Upd(t, Row(1, "a"), Row(1, "changed"))),
                Tx(Ins(t, Row(101, "this value is far too long for twenty characters"))),
            };
            await Assert.ThrowsAsync<MySqlException>(() => dest.ApplyAsync(bad, _ => mapping, stream, new LogPosition("pos-2"), default));
            Assert.Equal(new LogPosition("pos-1"), await dest.ReadCheckpointAsync(stream, default));
            Assert.Equal(1L, Convert.ToInt64(await TestDatabases.ScalarAsync(TestServers.MariaDbDest, targetDb, "SELECT COUNT(*) FROM t")));
            Assert.Equal("a", await TestDatabases.ScalarAsync(TestServers.MariaDbDest, targetDb, "SELECT u FROM t WHERE id = 1"));
        }
        finally
        {
            await dest.DeleteCheckpointAsync(stream, default);
        }
    }

    [Fact]
    public async Task Tables_without_key_change_one_matching_row()
    {
        await using var dbs = new TestDatabases();
        var (db, targetDb, mapping, dest) = await SetUpAsync(dbs, "nokey", "CREATE TABLE t (a INT, b VARCHAR(10), c DOUBLE, f FLOAT);");
        Assert.Empty(mapping.Source.Key);
        var t = mapping.Source.Name;
        object?[] x = [1L, "x", 0.5, 0.1f], y = [2L, null, null, 3.3f];
        await TestDatabases.ExecAsync(TestServers.MariaDbSource, db, "INSERT INTO t VALUES (1, 'x', 0.5, 0.1), (2, NULL, NULL, 3.3); UPDATE t SET b = 'z' WHERE a = 2;");
        var stream = TestServers.UniqueName("stream");
        try
        {
            await dest.ApplyAsync([Tx(Ins(t, x), Ins(t, x), Ins(t, y)), Tx(Del(t, x), Upd(t, y, [2L, "z", null, 3.3f]))],
                _ => mapping, stream, new LogPosition("p"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", targetDb);
        }
        finally
        {
            await dest.DeleteCheckpointAsync(stream, default);
        }
    }
}
