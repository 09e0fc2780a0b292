using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.Engine.Syncer;
using Ferry.PostgreSql.Replication;
using Ferry.PostgreSql.Snapshot;
using Ferry.PostgreSql.Writer;
using Ferry.TestSupport;
using Npgsql;
using NpgsqlTypes;

namespace Ferry.PostgreSql.Tests;

/// <summary>
/// The switchover's promise, under load: once the writer's committed checkpoint is at or past the source's
/// pg_current_wal_lsn() read after writes stopped, every change is on the destination — with heartbeats (short
/// interval, idle gaps) moving the checkpoint between transactions, transactions that overlap in time, and empty
/// transactions (only an unpublished table) that pgoutput skips.
/// </summary>
public sealed class SyncCompletenessTests
{
    private const int Writers = 3;
    private static readonly string[] Published = ["a", "b", "c"];

    [Fact]
    public async Task Every_transaction_is_on_the_destination_once_the_checkpoint_passes_the_log_end_read_after_writes()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        var ddl = string.Concat(Published.Select(t => $"CREATE TABLE {q}.{t} (id int8 PRIMARY KEY, v int4 NOT NULL, note text);"));
        await PgTestServers.ExecAsync(TestServers.PgSource, ddl + $"CREATE TABLE {q}.noise (id int8 PRIMARY KEY, v int4);");
        await PgTestServers.ExecAsync(TestServers.PgDest, ddl);
        var names = Published.Select(t => new TableName(s, t)).ToList();
        var snapshot = new PostgreSqlSnapshotSource(PgTestServers.Source);
        var mappings = new List<TableMapping>();
        foreach (var n in names) mappings.Add(new TableMapping((await snapshot.ReadTableAsync(n, CancellationToken.None))!, n));

        var stream = TestServers.UniqueName("pgloss");
        var source = new PostgreSqlChangeSource(PgTestServers.Source, stream) { Tables = names, HeartbeatInterval = TimeSpan.FromMilliseconds(100) };
        var destination = new PostgreSqlDestination(PgTestServers.Dest);
        using var stop = new CancellationTokenSource();
        Task? running = null;
        try
        {
            var p0 = await source.GetCurrentPositionAsync(CancellationToken.None);
            var applier = new ChangeApplier(source, destination, mappings, stream, p0);
            running = Task.Run(() => applier.RunAsync(_ => Task.CompletedTask, stop.Token));

            var connections = new List<NpgsqlConnection>();
            for (var w = 0; w < Writers; w++)
            {
                var c = new NpgsqlConnection(TestServers.PgSource);
                await c.OpenAsync();
                connections.Add(c);
            }
            try
            {
                var random = new Random(7);
                var next = new long[Writers];
                var live = Enumerable.Range(0, Writers).Select(_ => new List<(string Table, long Id)>()).ToArray();
                var total = System.Diagnostics.Stopwatch.StartNew();
                var rounds = 0;
                var last = NpgsqlLogSequenceNumber.Invalid;
                while (total.Elapsed < TimeSpan.FromSeconds(12) || rounds < 2)
                {
                    rounds++;
                    // a burst of small transactions from several sessions at once, with idle gaps for heartbeats
                    var burst = System.Diagnostics.Stopwatch.StartNew();
                    while (burst.Elapsed < TimeSpan.FromSeconds(1.5))
                    {
                        var seeds = Enumerable.Range(0, Writers).Select(_ => random.Next()).ToArray();
                        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w =>
                            WriteSomeAsync(connections[w], q, w, seeds[w], ref1: next, live[w])));
                        if (random.Next(4) == 0) await Task.Delay(random.Next(120, 350));
                    }
                    // writes stopped: the log end now, and the writer's committed checkpoint past it
                    // (the position the switchover's sync wait reads)
                    var target = NpgsqlLogSequenceNumber.Parse((await new PostgreSqlConnector().CurrentPositionAsync(PgTestServers.Source, CancellationToken.None)).Value);
                    var waited = System.Diagnostics.Stopwatch.StartNew();
                    NpgsqlLogSequenceNumber at;
                    while (true)
                    {
                        if (running.IsCompleted) await running; // a failed writer fails the test with its cause
                        var checkpoint = await destination.ReadCheckpointAsync(stream, CancellationToken.None);
                        at = checkpoint is null ? NpgsqlLogSequenceNumber.Invalid : NpgsqlLogSequenceNumber.Parse(checkpoint.Value.Value);
                        if (at >= target) break;
                        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"round {rounds}: the checkpoint {at} did not reach {target}");
                        await Task.Delay(50);
                    }
                    Assert.True(at >= last, $"round {rounds}: the committed checkpoint went back from {last} to {at}");
                    last = at;
                    foreach (var t in Published)
                    {
                        var expected = await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.{t}");
                        var actual = await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.{t}");
                        Assert.True(expected.SequenceEqual(actual),
                            $"round {rounds}, table {t}, checkpoint {at} >= {target}: missing {string.Join("; ", expected.Except(actual).Take(10))} / extra {string.Join("; ", actual.Except(expected).Take(10))}");
                    }
                }
                Assert.True(rounds >= 2);
            }
            finally
            {
                foreach (var c in connections) await c.DisposeAsync();
            }
        }
        finally
        {
            await stop.CancelAsync();
            if (running is not null) try { await running; } catch (OperationCanceledException) { }
            await source.DropAsync(CancellationToken.None);
            await destination.DeleteCheckpointAsync(stream, CancellationToken.None);
        }
    }

    /// <summary>
    /// Under asynchronous commit (synchronous_commit = off, on the server or for a session), COMMIT returns before its
    /// WAL is written out: the position read right after must still be at or past that commit's end, or the sync wait
    /// would pass before the transaction is even decodable.
    /// </summary>
    [Fact]
    public async Task The_log_end_read_after_an_asynchronous_commit_is_past_that_commit()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource);
        var q = $"\"{s}\"";
        var t = new TableName(s, "t");
        await PgTestServers.ExecAsync(TestServers.PgSource, $"CREATE TABLE {q}.t (id int4 PRIMARY KEY)");
        var source = new PostgreSqlChangeSource(PgTestServers.Source, TestServers.UniqueName("pglossasync")) { Tables = [t], HeartbeatInterval = TimeSpan.FromMilliseconds(200) };
        try
        {
            var p0 = await source.GetCurrentPositionAsync(CancellationToken.None);
            var connector = new PostgreSqlConnector();
            var readAfter = new List<NpgsqlLogSequenceNumber>();
            await using (var c = new NpgsqlConnection(TestServers.PgSource))
            {
                await c.OpenAsync();
                await using (var set = new NpgsqlCommand("SET synchronous_commit = off", c)) await set.ExecuteNonQueryAsync();
                for (var i = 1; i <= 10; i++)
                {
                    await using (var insert = new NpgsqlCommand($"INSERT INTO {q}.t VALUES ({i})", c)) await insert.ExecuteNonQueryAsync();
                    readAfter.Add(NpgsqlLogSequenceNumber.Parse((await connector.CurrentPositionAsync(PgTestServers.Source, CancellationToken.None)).Value));
                }
            }
            // each insert's commit end, as the change stream gives it
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var commits = new List<NpgsqlLogSequenceNumber>();
            await foreach (var e in source.ReadAsync(p0, x => x == t, cts.Token))
            {
                if (e is TransactionEvent tx) commits.Add(NpgsqlLogSequenceNumber.Parse(tx.Position.Value));
                if (commits.Count == readAfter.Count) break;
            }
            for (var i = 0; i < commits.Count; i++)
                Assert.True(readAfter[i] >= commits[i], $"insert {i + 1} committed at {commits[i]}, but the position read after it was {readAfter[i]}");
        }
        finally
        {
            await source.DropAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// A few transactions of one session: single inserts, updates and deletes, multi-table transactions that stay open
    /// while other sessions commit, and transactions on the unpublished table only (empty for pgoutput).
    /// </summary>
    private static async Task WriteSomeAsync(NpgsqlConnection c, string q, int writer, int seed, long[] ref1, List<(string Table, long Id)> live)
    {
        var random = new Random(seed);
        for (var i = 0; i < 4; i++)
        {
            string Table() => Published[random.Next(Published.Length)];
            long NewId() => writer * 1_000_000_000L + ++ref1[writer];
            var sql = new System.Text.StringBuilder();
            switch (random.Next(6))
            {
                case 0 or 1:
                {
                    var (t, id) = (Table(), NewId());
                    live.Add((t, id));
                    sql.Append($"INSERT INTO {q}.{t} (id, v, note) VALUES ({id}, {random.Next(1000)}, 'w{writer}');");
                    break;
                }
                case 2 when live.Count > 0:
                {
                    var (t, id) = live[random.Next(live.Count)];
                    sql.Append($"UPDATE {q}.{t} SET v = v + 1, note = 'u{random.Next(100)}' WHERE id = {id};");
                    break;
                }
                case 3 when live.Count > 5:
                {
                    var k = random.Next(live.Count);
                    var (t, id) = live[k];
                    live.RemoveAt(k);
                    sql.Append($"DELETE FROM {q}.{t} WHERE id = {id};");
                    break;
                }
                case 4:
                {
                    // open across other sessions' commits: its first change precedes their commits, its commit follows them
                    var (t1, id1, t2, id2) = (Table(), NewId(), Table(), NewId());
                    live.Add((t1, id1));
                    live.Add((t2, id2));
                    sql.Append($"BEGIN; INSERT INTO {q}.{t1} (id, v) VALUES ({id1}, 1); SELECT pg_sleep(0.03); INSERT INTO {q}.{t2} (id, v) VALUES ({id2}, 2); COMMIT;");
                    break;
                }
                default:
                    sql.Append($"INSERT INTO {q}.noise (id, v) VALUES ({NewId()}, 0);");
                    break;
            }
            if (sql.Length == 0) continue;
            await using var cmd = new NpgsqlCommand(sql.ToString(), c);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
