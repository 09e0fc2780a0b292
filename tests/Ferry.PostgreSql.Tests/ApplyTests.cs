using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Snapshot;
using Ferry.PostgreSql.Writer;
using Ferry.TestSupport;

namespace Ferry.PostgreSql.Tests;

public sealed class ApplyTests
{
    [Fact]
    public async Task Batches_apply_idempotently_and_atomically_with_their_checkpoint()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, $"CREATE TABLE {q}.k (id int4 PRIMARY KEY, v text NOT NULL, n numeric(10,2), at timestamptz)");
        var table = (await new PostgreSqlSnapshotSource(PgTestServers.Source).ReadTableAsync(new TableName(s, "k"), CancellationToken.None))!;
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        var mapping = new TableMapping(table, table.Name);
        await dest.CreateTableAsync(mapping, CancellationToken.None);
        var stream = TestServers.UniqueName("stream");
        servers.OnDispose(TestServers.PgDest, $"DELETE FROM \"__ferry\".ferry_checkpoint WHERE stream = '{stream}'");
        var at = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        RowChange Ins(long id, string v) => new(table.Name, ChangeKind.Insert, null, [id, v, "1.50", at]);
        var batch = new List<TransactionEvent>
        {
            new([Ins(1, "a"), Ins(2, "b"), Ins(3, "c")], new LogPosition("0/10"), DateTimeOffset.UtcNow),
            new([new RowChange(table.Name, ChangeKind.Update, [2L, "b", "1.50", at], [2L, "b2", "-0.01", null]),
                 new RowChange(table.Name, ChangeKind.Delete, [3L, null, null, null], null),
                 Ins(4, "it's \"quoted\""), Ins(4, "twice in one batch")], new LogPosition("0/20"), DateTimeOffset.UtcNow),
            // a key change: the old key goes, the new one comes
            new([new RowChange(table.Name, ChangeKind.Update, [1L, "a", "1.50", at], [10L, "a", "1.50", at])], new LogPosition("0/30"), DateTimeOffset.UtcNow),
        };
        string[] expected =
        [
            "{\"id\":2,\"v\":\"b2\",\"n\":-0.01,\"at\":null}",
            "{\"id\":4,\"v\":\"twice in one batch\",\"n\":1.50,\"at\":\"2024-01-02T03:04:05+00:00\"}",
            "{\"id\":10,\"v\":\"a\",\"n\":1.50,\"at\":\"2024-01-02T03:04:05+00:00\"}",
        ];
        await dest.ApplyAsync(batch, t => t == table.Name ? mapping : null, stream, new LogPosition("0/30"), CancellationToken.None);
        Assert.Equal(expected, await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.k"));
        Assert.Equal(new LogPosition("0/30"), await dest.ReadCheckpointAsync(stream, CancellationToken.None));

        // replayed after a crash: same end state
        await dest.ApplyAsync(batch, t => t == table.Name ? mapping : null, stream, new LogPosition("0/30"), CancellationToken.None);
        Assert.Equal(expected, await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.k"));

        // a batch that fails half-way leaves neither its rows nor its checkpoint
        var bad = new List<TransactionEvent>
        {
            new([Ins(20, "lands?"), new RowChange(table.Name, ChangeKind.Insert, null, [21L, "x", "not a number", null])], new LogPosition("0/40"), DateTimeOffset.UtcNow),
        };
        await Assert.ThrowsAnyAsync<Exception>(() => dest.ApplyAsync(bad, t => t == table.Name ? mapping : null, stream, new LogPosition("0/40"), CancellationToken.None));
        Assert.Equal(expected, await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.k"));
        Assert.Equal(new LogPosition("0/30"), await dest.ReadCheckpointAsync(stream, CancellationToken.None));

        await dest.WriteCheckpointAsync(stream, new LogPosition("0/50"), CancellationToken.None);
        Assert.Equal(new LogPosition("0/50"), await dest.ReadCheckpointAsync(stream, CancellationToken.None));
        await dest.DeleteCheckpointAsync(stream, CancellationToken.None);
        Assert.Null(await dest.ReadCheckpointAsync(stream, CancellationToken.None));

        // correction statements run as they are
        var fix = dest.CorrectionStatement(mapping, [2L], [2L, "o'k", "3.00", at]) + dest.CorrectionStatement(mapping, [4L], null);
        await PgTestServers.ExecAsync(TestServers.PgDest, fix);
        Assert.Equal(
            ["{\"id\":2,\"v\":\"o'k\",\"n\":3.00,\"at\":\"2024-01-02T03:04:05+00:00\"}", expected[2]],
            await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.k"));
    }
}
