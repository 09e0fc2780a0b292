using Ferry.Engine.Connections;
using Ferry.Engine.Loader;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Snapshot;
using Ferry.PostgreSql.Writer;
using Ferry.TestSupport;

namespace Ferry.PostgreSql.Tests;

/// <summary>Which chunks the full copy passes through undecoded: only those whose target has no other source table.</summary>
public sealed class FullCopierRoutingTests
{
    [Fact]
    public async Task Tables_aggregated_into_one_target_keep_each_others_rows_and_a_one_to_one_target_ends_equal_to_its_source()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource,
            $"CREATE TABLE {q}.part1 (id int8 PRIMARY KEY, v text); INSERT INTO {q}.part1 SELECT g, 'one ' || g FROM generate_series(1, 10) g;" +
            $"CREATE TABLE {q}.part2 (id int8 PRIMARY KEY, v text); INSERT INTO {q}.part2 SELECT g, 'two ' || g FROM generate_series(11, 20) g;" +
            $"CREATE TABLE {q}.solo (id int8 PRIMARY KEY, v text); INSERT INTO {q}.solo SELECT g, 'solo ' || g FROM generate_series(1, 30) g;");
        var source = new PostgreSqlSnapshotSource(PgTestServers.Source);
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        async Task<TableSchema> Read(string t) => (await source.ReadTableAsync(new TableName(s, t), CancellationToken.None))!;
        var all = new TableName(s, "all_parts");
        var mappings = new List<TableMapping>
        {
            new(await Read("part1"), all), new(await Read("part2"), all), new(await Read("solo"), new TableName(s, "solo")),
        };
        foreach (var m in mappings) await dest.CreateTableAsync(m, CancellationToken.None);
        // a row of the one-to-one target that the source does not have, inside a chunk's range: the copy leaves the source's rows only
        await PgTestServers.ExecAsync(TestServers.PgDest, $"INSERT INTO {q}.solo VALUES (15, 'stray'), (999, 'stray too')");

        var copier = new FullCopier(source, dest, mappings, concurrency: 1);
        var plan = await copier.PlanAsync(CancellationToken.None);
        long copied = 0;
        await copier.RunAsync(plan, (_, rows) => { copied += rows; return Task.CompletedTask; }, CancellationToken.None);
        Assert.Equal(50, copied);
        // redone, as after a crash: still nothing doubled
        await copier.RunAsync(plan, (_, _) => Task.CompletedTask, CancellationToken.None);

        var parts = await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.all_parts");
        Assert.Equal(20, parts.Count);
        Assert.Equal((await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.part1")).Concat(await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.part2")), parts);
        Assert.Equal(await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.solo"), await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.solo"));
    }
}
