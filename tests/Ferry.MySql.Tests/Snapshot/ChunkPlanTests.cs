using Ferry.Engine.Changes;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Snapshot;

public sealed class ChunkPlanTests
{
    [Theory]
    [InlineData("ints", "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, v INT); INSERT INTO t SELECT seq * seq, seq FROM seq_1_to_237;", 237)]
    [InlineData("comp", "CREATE TABLE t (a INT NOT NULL, b VARCHAR(10) NOT NULL, c INT NOT NULL, PRIMARY KEY (a, b, c)); INSERT INTO t SELECT seq % 3, CHAR(97 + seq % 7), seq FROM seq_1_to_203;", 203)]
    [InlineData("strs", "CREATE TABLE t (k VARCHAR(40) NOT NULL PRIMARY KEY, v INT) DEFAULT CHARSET=utf8mb4; INSERT INTO t SELECT CONCAT(ELT(1 + seq % 5, 'a', 'B', 'ç', '😀', 'Z'), seq), seq FROM seq_1_to_211;", 211)]
    [InlineData("latin", "CREATE TABLE t (k VARCHAR(40) CHARACTER SET latin1 NOT NULL PRIMARY KEY, v INT); INSERT INTO t SELECT CONCAT(ELT(1 + seq % 5, 'a', 'Å', 'ß', 'é', 'Z'), seq), seq FROM seq_1_to_199;", 199)]
    [InlineData("decs", "CREATE TABLE t (k DECIMAL(40,20) NOT NULL, u INT, UNIQUE KEY uk (k)); INSERT INTO t SELECT seq / 7 - 10 + 0.00000000000000000001 * seq, seq FROM seq_1_to_190;", 190)]
    public async Task Chunks_cover_every_row_exactly_once(string prefix, string sql, long count)
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, prefix, sql);
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var table = (await source.ReadTableAsync(new TableName(db, "t"), default))!;
        Assert.NotEmpty(table.Key);

        var chunks = await source.PlanChunksAsync(table, 10, default);
        Assert.Null(chunks[0].After);
        Assert.Null(chunks[^1].UpTo);
        var seen = new HashSet<string>();
        long total = 0;
        for (var i = 0; i < chunks.Count; i++)
        {
            if (i > 0) Assert.Same(chunks[i - 1].UpTo, chunks[i].After);
            long inChunk = 0;
            await foreach (var row in source.ReadChunkAsync(table, chunks[i], default))
            {
                Assert.True(seen.Add(RowValues.CanonicalRow(table.KeyOrdinals().Select(k => row[k]).ToArray())), "a row was read twice");
                inChunk++;
            }
            if (i < chunks.Count - 1) Assert.Equal(10, inChunk);
            total += inChunk;
        }
        Assert.Equal(count, total);
        Assert.Equal(count, Convert.ToInt64(await TestDatabases.ScalarAsync(TestServers.MariaDbSource, db, "SELECT COUNT(*) FROM t")));
    }

    [Fact]
    public async Task Table_without_key_is_one_chunk()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "nokey",
            "CREATE TABLE t (a INT, b INT, UNIQUE KEY (a)); INSERT INTO t SELECT seq, seq FROM seq_1_to_25;");
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var table = (await source.ReadTableAsync(new TableName(db, "t"), default))!;
        Assert.Empty(table.Key); // the unique key allows NULL, so it does not identify rows
        var chunks = await source.PlanChunksAsync(table, 10, default);
        Assert.Equal([new Ferry.Engine.Copy.KeyRange(null, null)], chunks);
        var n = 0;
        await foreach (var _ in source.ReadChunkAsync(table, chunks[0], default)) n++;
        Assert.Equal(25, n);
    }

    [Fact]
    public async Task Enum_keys_are_not_split()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "enumkey",
            "CREATE TABLE t (e ENUM('z','a','m') NOT NULL, n INT NOT NULL, PRIMARY KEY (e, n)); INSERT INTO t SELECT ELT(1 + seq % 3, 'z', 'a', 'm'), seq FROM seq_1_to_40;");
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var table = (await source.ReadTableAsync(new TableName(db, "t"), default))!;
        var chunks = await source.PlanChunksAsync(table, 10, default);
        Assert.Single(chunks);
        var n = 0;
        await foreach (var _ in source.ReadChunkAsync(table, chunks[0], default)) n++;
        Assert.Equal(40, n);
    }

    [Fact]
    public async Task Lists_databases_and_base_tables()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "list",
            "CREATE TABLE a (id INT PRIMARY KEY); CREATE TABLE b (id INT); CREATE VIEW v AS SELECT * FROM a;");
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var databases = await source.ListDatabasesAsync(default);
        Assert.Contains(db, databases);
        Assert.DoesNotContain("mysql", databases);
        Assert.DoesNotContain("information_schema", databases);
        Assert.DoesNotContain("__ferry", databases);
        Assert.Equal(["a", "b"], await source.ListTablesAsync(db, default));
        Assert.Null(await source.ReadTableAsync(new TableName(db, "missing"), default));
        Assert.True(await source.EstimateRowsAsync(new TableName(db, "a"), default) >= 0);
    }
}
