using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Replication;
using Ferry.PostgreSql.Snapshot;
using Ferry.PostgreSql.Writer;
using Ferry.TestSupport;

namespace Ferry.PostgreSql.Tests;

public sealed class ChangeSourceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Events from <paramref name="from"/> until <paramref name="stop"/> says enough (heartbeats included).</summary>
    private static async Task<List<ChangeEvent>> ReadUntilAsync(PostgreSqlChangeSource source, LogPosition from, Func<TableName, bool> scope, Func<List<ChangeEvent>, bool> stop)
    {
        using var cts = new CancellationTokenSource(Patience);
        var events = new List<ChangeEvent>();
        await foreach (var e in source.ReadAsync(from, scope, cts.Token))
        {
            events.Add(e);
            if (stop(events)) break;
        }
        return events;
    }

    private static async Task<object?> SlotAsync(string slot) =>
        await PgTestServers.ScalarAsync(TestServers.PgSource, $"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{slot}'");

    [Fact]
    public async Task Changes_come_in_commit_order_with_unchanged_toast_kept_resume_without_loss_and_release_drops_the_slot()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, $"""
            CREATE TABLE {q}.t (id int4 PRIMARY KEY, v text, g int8 GENERATED ALWAYS AS (id * 10) STORED, big text, at timestamptz, f float8, d date, b bytea, n numeric(12,3), arr int4[]);
            CREATE TABLE {q}.full (id int4 PRIMARY KEY, v text, big text);
            ALTER TABLE {q}.full REPLICA IDENTITY FULL;
            CREATE TABLE {q}.nokey (a int4, b text);
            ALTER TABLE {q}.nokey REPLICA IDENTITY FULL;
            CREATE TABLE {q}.other (id int4 PRIMARY KEY);
            """);
        var tables = new[] { new TableName(s, "t"), new TableName(s, "nokey"), new TableName(s, "other"), new TableName(s, "full") };
        var source = new PostgreSqlChangeSource(PgTestServers.Source, TestServers.UniqueName("cdc")) { Tables = tables, HeartbeatInterval = TimeSpan.FromMilliseconds(500) };
        try
        {
            Assert.Empty(await source.CheckReplicaIdentityAsync(tables, CancellationToken.None));
            var p0 = await source.GetCurrentPositionAsync(CancellationToken.None);
            Assert.Equal(p0, await source.GetCurrentPositionAsync(CancellationToken.None));

            await PgTestServers.ExecAsync(TestServers.PgSource, $"""
                INSERT INTO {q}.t (id, v, big, at, f, d, b, n, arr) VALUES (1, 'one', 'small', '2024-05-06 07:08:09.123456+02', 'Infinity', '2024-02-29', '\x00ff'::bytea, -12.5, ARRAY[1,NULL]::int4[]),
                                         (2, 'two', NULL, NULL, -0.1, NULL, NULL, NULL, NULL);
                INSERT INTO {q}.full SELECT i, 'f' || i, string_agg(md5(random()::text || g), '') FROM generate_series(1, 2) i, generate_series(1, 3000) g GROUP BY i;
                """);
            await PgTestServers.ExecAsync(TestServers.PgSource, $"""
                BEGIN;
                UPDATE {q}.t SET v = 'uno' WHERE id = 1;
                DELETE FROM {q}.t WHERE id = 2;
                INSERT INTO {q}.nokey VALUES (1, 'x'), (1, 'x');
                INSERT INTO {q}.other VALUES (1);
                COMMIT;
                """);
            // a value large and random enough to be stored out of line (TOAST), then an update that leaves it alone
            await PgTestServers.ExecAsync(TestServers.PgSource,
                $"INSERT INTO {q}.t (id, v, big) SELECT 3, 'three', string_agg(md5(random()::text || g), '') FROM generate_series(1, 3000) g");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"UPDATE {q}.t SET v = 'drei' WHERE id = 3");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"UPDATE {q}.full SET v = 'changed' WHERE id = 1");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"UPDATE {q}.full SET v = 'gone soon' WHERE id = 2");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"DELETE FROM {q}.full WHERE id = 2");
            // without FULL identity the value is read by key: here the row is gone by then, and its delete follows
            await PgTestServers.ExecAsync(TestServers.PgSource,
                $"INSERT INTO {q}.t (id, v, big) SELECT 5, 'five', string_agg(md5(random()::text || g), '') FROM generate_series(1, 3000) g");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"UPDATE {q}.t SET v = 'fünf' WHERE id = 5");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"DELETE FROM {q}.t WHERE id = 5");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"UPDATE {q}.nokey SET b = 'y' WHERE ctid = (SELECT ctid FROM {q}.nokey LIMIT 1)");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"TRUNCATE {q}.other");
            await PgTestServers.ExecAsync(TestServers.PgSource, $"INSERT INTO {q}.t (id, v) VALUES (4, 'four')");

            bool Scope(TableName t) => t.Database == s && t.Table != "ignored";
            var events = await ReadUntilAsync(source, p0, Scope,
                e => e.OfType<TransactionEvent>().Any(t => t.Rows.Any(r => r.After is { } a && a[0] is 4L)));
            var changes = events.Where(e => e is not HeartbeatEvent).ToList();
            var summary = changes.Select(e => e switch
            {
                TransactionEvent t => string.Join(",", t.Rows.Select(r => $"{r.Kind}:{r.Table.Table}")),
                DdlEvent d => "ddl:" + d.Plan!.Kind + ":" + string.Join("+", d.Plan.Tables.Select(x => x.Table.Table)),
                _ => "?",
            }).ToList();
            Assert.Equal(
            [
                "Insert:t,Insert:t,Insert:full,Insert:full",
                "Update:t,Delete:t,Insert:nokey,Insert:nokey,Insert:other",
                "Insert:t",
                "Update:t",
                "Update:full",
                "Update:full",
                "Delete:full",
                "Insert:t",
                "Delete:t",
                "Update:nokey",
                "ddl:TruncateTable:other",
                "Insert:t",
            ], summary);
            var positions = changes.Select(e => NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(e.Position.Value)).ToList();
            for (var i = 1; i < positions.Count; i++) Assert.True(positions[i] >= positions[i - 1], "positions never go back");

            var first = ((TransactionEvent)changes[0]).Rows[0].After!;
            Assert.Equal(10, first.Length);
            Assert.Equal(1L, first[0]);
            Assert.Null(first[2]); // generated: not in the log, computed by the destination
            Assert.Equal(new DateTime(2024, 5, 6, 5, 8, 9, DateTimeKind.Utc).AddTicks(1234560), first[4]);
            Assert.Equal(DateTimeKind.Utc, ((DateTime)first[4]!).Kind);
            Assert.Equal(double.PositiveInfinity, first[5]);
            Assert.Equal(new DateOnly(2024, 2, 29), first[6]);
            Assert.Equal(new byte[] { 0, 0xff }, first[7]);
            Assert.Equal("-12.500", first[8]);
            Assert.Equal("{1,NULL}", first[9]);
            var toastUpdate = ((TransactionEvent)changes[3]).Rows[0].After!;
            Assert.Equal("drei", toastUpdate[1]);
            Assert.Equal(96_000, ((string)toastUpdate[3]!).Length);
            var fullUpdate = ((TransactionEvent)changes[4]).Rows[0];
            Assert.Equal(96_000, ((string)fullUpdate.After![2]!).Length);
            Assert.Equal(fullUpdate.Before![2], fullUpdate.After[2]);

            // what the reader yields, written by the destination, is the source
            var snapshot = new PostgreSqlSnapshotSource(PgTestServers.Source);
            var dest = new PostgreSqlDestination(PgTestServers.Dest);
            var mappings = new Dictionary<TableName, TableMapping>();
            foreach (var t in tables)
            {
                var schema = (await snapshot.ReadTableAsync(t, CancellationToken.None))!;
                mappings[t] = new TableMapping(schema, t);
                await dest.CreateTableAsync(mappings[t], CancellationToken.None);
            }
            var stream = TestServers.UniqueName("stream");
            servers.OnDispose(TestServers.PgDest, $"DELETE FROM \"__ferry\".ferry_checkpoint WHERE stream = '{stream}'");
            foreach (var e in changes)
            {
                if (e is TransactionEvent t) await dest.ApplyAsync([t], n => mappings.GetValueOrDefault(n), stream, t.Position, CancellationToken.None);
                else if (e is DdlEvent d) await dest.ApplyDdlAsync(d, tables.ToDictionary(x => x, x => x), stream, d.Position, CancellationToken.None);
            }
            foreach (var t in new[] { "t", "other", "full" })
                Assert.Equal(await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.{t}"), await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.{t}"));
            Assert.Equal(await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.nokey", "a, b"), await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.nokey", "a, b"));
            Assert.Equal(3, (await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.t")).Count);

            // resuming from a transaction's position yields the next one, not that one again
            var resumed = await ReadUntilAsync(source, changes[2].Position, Scope, e => e.Any(x => x is TransactionEvent));
            var next = resumed.First(x => x is TransactionEvent);
            Assert.Equal(changes[3].Position, next.Position);

            // acknowledging lets the slot move, and only that far
            source.Acknowledge(changes[9].Position);
            // the walsender takes the feedback once it has caught up; give it a few heartbeats
            await ReadUntilAsync(source, changes[9].Position, Scope, e =>
                e.Count(x => x is HeartbeatEvent) >= 20 ||
                NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((string)SlotAsync(source.SlotName).Result!) >= NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(changes[9].Position.Value));
            var confirmed = NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((string)(await SlotAsync(source.SlotName))!);
            Assert.True(confirmed >= NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(changes[9].Position.Value), $"slot at {confirmed}, acknowledged {changes[9].Position}, p0 {p0}, all {string.Join(" ", changes.Select(c => c.Position))}");
            Assert.True(confirmed < NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(changes[^1].Position.Value), $"slot at {confirmed}");
        }
        finally
        {
            await source.DropAsync(CancellationToken.None);
        }
        Assert.Null(await SlotAsync(source.SlotName));
        Assert.Null(await PgTestServers.ScalarAsync(TestServers.PgSource, $"SELECT 1 FROM pg_publication WHERE pubname = '{source.PublicationName}'"));
    }

    [Fact]
    public async Task An_idle_stream_yields_heartbeats_and_a_keyed_table_without_replica_identity_is_reported()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource);
        // a keyless table is copied only and never published, so its identity does not matter; a keyed one would be published
        await PgTestServers.ExecAsync(TestServers.PgSource,
            $"CREATE TABLE \"{s}\".bare (a int4, b text); CREATE TABLE \"{s}\".keyed (a int4 PRIMARY KEY); ALTER TABLE \"{s}\".keyed REPLICA IDENTITY NOTHING");
        var tables = new[] { new TableName(s, "bare") };
        var source = new PostgreSqlChangeSource(PgTestServers.Source, TestServers.UniqueName("idle")) { Tables = tables, HeartbeatInterval = TimeSpan.FromMilliseconds(500) };
        try
        {
            var problem = Assert.Single(await source.CheckReplicaIdentityAsync([.. tables, new TableName(s, "keyed")], CancellationToken.None));
            Assert.Contains("keyed has REPLICA IDENTITY NOTHING", problem);
            Assert.Contains("REPLICA IDENTITY FULL", problem);
            var p0 = await source.GetCurrentPositionAsync(CancellationToken.None);
            var events = await ReadUntilAsync(source, p0, _ => true, e => e.Count >= 2);
            Assert.All(events, e => Assert.IsType<HeartbeatEvent>(e));
            Assert.All(events, e => Assert.True(NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(e.Position.Value) >= NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(p0.Value)));
        }
        finally
        {
            await source.DropAsync(CancellationToken.None);
        }
        Assert.Null(await SlotAsync(source.SlotName));
    }

    [Fact]
    public async Task A_partitioned_table_is_followed_under_its_own_name_and_an_out_of_scope_table_is_skipped()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, $"""
            CREATE TABLE {q}.parted (id int4, region text, v text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
            CREATE TABLE {q}.parted_eu PARTITION OF {q}.parted FOR VALUES IN ('eu');
            CREATE TABLE {q}.parted_us PARTITION OF {q}.parted FOR VALUES IN ('us');
            CREATE TABLE {q}.skipped (id int4 PRIMARY KEY, v text);
            """);
        var snapshot = new PostgreSqlSnapshotSource(PgTestServers.Source);
        Assert.Equal(["parted", "skipped"], await snapshot.ListTablesAsync(s, CancellationToken.None));
        var parted = new TableName(s, "parted");
        var source = new PostgreSqlChangeSource(PgTestServers.Source, TestServers.UniqueName("parts"))
        {
            Tables = [parted, new TableName(s, "skipped")],
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        };
        try
        {
            var p0 = await source.GetCurrentPositionAsync(CancellationToken.None);
            await PgTestServers.ExecAsync(TestServers.PgSource, $"""
                INSERT INTO {q}.parted VALUES (1, 'eu', 'a'), (2, 'us', 'b');
                INSERT INTO {q}.skipped VALUES (1, 'not wanted');
                UPDATE {q}.parted SET v = 'c' WHERE id = 2;
                """);
            await PgTestServers.ExecAsync(TestServers.PgSource, $"INSERT INTO {q}.skipped VALUES (2, 'only out of scope')");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var events = new List<ChangeEvent>();
            await foreach (var e in source.ReadAsync(p0, t => t == parted, cts.Token))
            {
                events.Add(e);
                if (events.OfType<HeartbeatEvent>().Count() >= 2 && events.OfType<TransactionEvent>().Any()) break;
            }
            var tx = Assert.Single(events.OfType<TransactionEvent>());
            Assert.Equal(["Insert:parted", "Insert:parted", "Update:parted"], tx.Rows.Select(r => $"{r.Kind}:{r.Table.Table}"));
            Assert.Equal(["c"], tx.Rows.Where(r => r.Kind == ChangeKind.Update).Select(r => (string)r.After![2]!));
        }
        finally
        {
            await source.DropAsync(CancellationToken.None);
        }
    }
}
