using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Snapshot;
using Ferry.TestSupport;

namespace Ferry.PostgreSql.Tests;

public sealed class ChunkPlanTests
{
    [Fact]
    public async Task Composite_and_text_keys_split_into_exact_chunks_that_cover_every_row_once()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, $"""
            CREATE TABLE {q}.comp (region text COLLATE "C", at timestamptz, n int4, PRIMARY KEY (region, at));
            INSERT INTO {q}.comp SELECT r, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 second 1 microsecond', g
              FROM unnest(ARRAY['eu', 'us', 'it''s', 'Ünï']) r, generate_series(1, 25) g;
            CREATE TABLE {q}.fl (k float8 PRIMARY KEY);
            INSERT INTO {q}.fl SELECT g / 3.0 FROM generate_series(1, 30) g;
            CREATE TABLE {q}.uniq (a int4, b text NOT NULL, UNIQUE (b));
            INSERT INTO {q}.uniq SELECT g, 'b' || g FROM generate_series(1, 30) g;
            """);
        var source = new PostgreSqlSnapshotSource(PgTestServers.Source);

        var comp = (await source.ReadTableAsync(new TableName(s, "comp"), CancellationToken.None))!;
        Assert.Equal(["region", "at"], comp.Key);
        var chunks = await source.PlanChunksAsync(comp, 9, CancellationToken.None);
        Assert.Equal(12, chunks.Count);
        var seen = new List<long>();
        foreach (var chunk in chunks)
        {
            var rows = await source.ReadChunkAsync(comp, chunk, CancellationToken.None).ToListAsync();
            Assert.True(rows.Count <= 9);
            seen.AddRange(rows.Select(r => (long)r[2]!));
        }
        Assert.Equal(100, seen.Count);
        Assert.Equal(100, seen.Select((n, i) => (n, i / 25)).Distinct().Count());

        // a float key is not split (NaN and text round trips make ranges unsafe): one chunk with every row
        var fl = (await source.ReadTableAsync(new TableName(s, "fl"), CancellationToken.None))!;
        var one = Assert.Single(await source.PlanChunksAsync(fl, 5, CancellationToken.None));
        Assert.Equal(30, (await source.ReadChunkAsync(fl, one, CancellationToken.None).ToListAsync()).Count);

        // no primary key: the unique index over a NOT NULL column is the key
        var uniq = (await source.ReadTableAsync(new TableName(s, "uniq"), CancellationToken.None))!;
        Assert.Equal(["b"], uniq.Key);
        // 30 rows by 10: three full chunks and the open-ended one after the last boundary
        Assert.Equal(4, (await source.PlanChunksAsync(uniq, 10, CancellationToken.None)).Count);
        Assert.True(await source.EstimateRowsAsync(uniq.Name, CancellationToken.None) >= 0);
    }

    [Fact]
    public async Task The_connector_ties_the_parts_together()
    {
        IConnector connector = new PostgreSqlConnector();
        var probe = await connector.TestAsync(PgTestServers.Source, asSource: true, CancellationToken.None);
        Assert.True(probe.Ok);
        Assert.Equal(TimeSpan.Zero, probe.LogRetention);
        Assert.IsType<PostgreSqlSnapshotSource>(connector.OpenSnapshotSource(PgTestServers.Source));
        Assert.IsType<Writer.PostgreSqlDestination>(connector.OpenDestination(PgTestServers.Dest));
        var stream = Assert.IsType<Replication.PostgreSqlChangeSource>(connector.OpenChangeSource(PgTestServers.Source, "p-1/forward"));
        Assert.Equal(stream.SlotName, ((Replication.PostgreSqlChangeSource)connector.OpenChangeSource(PgTestServers.Source, "p-1/forward")).SlotName);
        Assert.NotEqual(stream.SlotName, ((Replication.PostgreSqlChangeSource)connector.OpenChangeSource(PgTestServers.Source, "p-2/forward")).SlotName);
        Assert.True(stream.SlotName.Length <= 63);

        // a released stream leaves neither slot nor publication behind
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource);
        await PgTestServers.ExecAsync(TestServers.PgSource, $"CREATE TABLE \"{s}\".t (id int4 PRIMARY KEY)");
        var seed = TestServers.UniqueName("release");
        var named = (Replication.PostgreSqlChangeSource)connector.OpenChangeSource(PgTestServers.Source, seed, [new TableName(s, "t")]);
        try
        {
            await named.GetCurrentPositionAsync(CancellationToken.None);
            Assert.Equal(1L, await PgTestServers.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{named.SlotName}'"));
            Assert.Equal(1L, await PgTestServers.ScalarAsync(TestServers.PgSource,
                $"SELECT count(*) FROM pg_publication_tables WHERE pubname = '{named.PublicationName}' AND schemaname = '{s}' AND tablename = 't'"));
        }
        finally
        {
            await ((PostgreSqlConnector)connector).ReleaseStreamAsync(PgTestServers.Source, seed, CancellationToken.None);
        }
        Assert.Equal(0L, await PgTestServers.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{named.SlotName}'"));
        Assert.Equal(0L, await PgTestServers.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_publication WHERE pubname = '{named.PublicationName}'"));
    }
}
