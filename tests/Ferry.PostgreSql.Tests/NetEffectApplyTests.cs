using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Snapshot;
using Ferry.PostgreSql.Writer;
using Ferry.TestSupport;

namespace Ferry.PostgreSql.Tests;

/// <summary>
/// A batch of many source transactions is written as its net effect per key (deletes first, then the final
/// images with one multi-row INSERT … ON CONFLICT); a unique index the user added on the destination, which
/// PostgreSQL checks row by row, makes a batch that trades a unique value fall back to log order.
/// </summary>
public sealed class NetEffectApplyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_is_written_as_its_net_effect_per_key_and_converges_on_replay(bool uniqueOnDestination)
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, $"CREATE TABLE {q}.k (id int8 PRIMARY KEY, u text NOT NULL UNIQUE, n numeric(10,2))");
        var table = (await new PostgreSqlSnapshotSource(PgTestServers.Source).ReadTableAsync(new TableName(s, "k"), CancellationToken.None))!;
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        var mapping = new TableMapping(table, table.Name);
        await dest.CreateTableAsync(mapping, CancellationToken.None);
        if (uniqueOnDestination) await PgTestServers.ExecAsync(TestServers.PgDest, $"CREATE UNIQUE INDEX ON {q}.k (u)");
        var stream = TestServers.UniqueName("applyperf_stream");
        servers.OnDispose(TestServers.PgDest, $"DELETE FROM \"__ferry\".ferry_checkpoint WHERE stream = '{stream}'");
        var t = table.Name;
        TableMapping? Map(TableName x) => x == t ? mapping : null;

        var initial = $"INSERT INTO {q}.k (id, u) VALUES (1, 'a'), (2, 'b'), (10, 's1'), (11, 's2'), (20, 'k')";
        await PgTestServers.ExecAsync(TestServers.PgSource, initial);
        await PgTestServers.ExecAsync(TestServers.PgDest, initial);
        await PgTestServers.ExecAsync(TestServers.PgSource,
            $"""
            INSERT INTO {q}.k (id, u) VALUES (3, 'c'); UPDATE {q}.k SET u = 'c2' WHERE id = 3; DELETE FROM {q}.k WHERE id = 3;
            UPDATE {q}.k SET u = 'a1' WHERE id = 1; UPDATE {q}.k SET u = 'a2', n = 7.00 WHERE id = 1;
            DELETE FROM {q}.k WHERE id = 2; INSERT INTO {q}.k (id, u) VALUES (2, 'b2');
            UPDATE {q}.k SET id = 21 WHERE id = 20; UPDATE {q}.k SET id = 20, n = 1.00 WHERE id = 21;
            UPDATE {q}.k SET u = 'tmp' WHERE id = 10; UPDATE {q}.k SET u = 's1' WHERE id = 11; UPDATE {q}.k SET u = 's2' WHERE id = 10;
            INSERT INTO {q}.k (id, u) VALUES (4, 'a');
            DELETE FROM {q}.k WHERE id = 4; UPDATE {q}.k SET id = 4 WHERE id = 2;
            """);
        object?[] Row(long id, string u, string? n = null) => [id, u, n];
        object?[] Key(long id) => [id, null, null]; // REPLICA IDENTITY DEFAULT: the old image holds only the key
        RowChange Ins(object?[] after) => new(t, ChangeKind.Insert, null, after);
        RowChange Upd(object?[]? before, object?[] after) => new(t, ChangeKind.Update, before, after);
        RowChange Del(object?[] before) => new(t, ChangeKind.Delete, before, null);
        TransactionEvent Tx(params RowChange[] rows) => new(rows, new LogPosition("0/1"), DateTimeOffset.UtcNow);
        var batch = new[]
        {
            Tx(Ins(Row(3, "c")), Upd(null, Row(3, "c2")), Del(Key(3))),                     // insert, update, delete: gone
            Tx(Upd(null, Row(1, "a1")), Upd(null, Row(1, "a2", "7.00"))),                   // last image wins
            Tx(Del(Key(2)), Ins(Row(2, "b2"))),                                             // delete, then re-insert
            Tx(Upd(Key(20), Row(21, "k")), Upd(Key(21), Row(20, "k", "1.00"))),             // key chain A → B → A
            Tx(Upd(null, Row(10, "tmp")), Upd(null, Row(11, "s1")), Upd(null, Row(10, "s2"))), // two keys trade a unique value
            Tx(Ins(Row(4, "a"))),                                                            // a freed unique value reused
            Tx(Del(Key(4)), Upd(Key(2), Row(4, "b2"))),                                     // a key moves onto a deleted key
        };

        var plan = PgChangeOps.Net(PgChangeOps.From(batch, Map));
        Assert.Empty(plan.Ordered);
        Assert.Equal(new long[] { 2, 3, 21 }, plan.Deletes.Select(o => (long)o.Values[0]!).Order().ToArray());
        Assert.Equal(new long[] { 1, 4, 10, 11, 20 }, plan.Upserts.Select(o => (long)o.Values[0]!).Order().ToArray());

        var expected = await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.k");
        Assert.Equal(5, expected.Count);
        await dest.ApplyAsync(batch, Map, stream, new LogPosition("0/100"), CancellationToken.None);
        Assert.Equal(expected, await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.k"));
        Assert.Equal(new LogPosition("0/100"), await dest.ReadCheckpointAsync(stream, CancellationToken.None));
        // replayed from a checkpoint inside the batch, then from before it
        await dest.ApplyAsync(batch[3..], Map, stream, new LogPosition("0/100"), CancellationToken.None);
        Assert.Equal(expected, await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.k"));
        await dest.ApplyAsync(batch, Map, stream, new LogPosition("0/100"), CancellationToken.None);
        Assert.Equal(expected, await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.k"));
    }
}
