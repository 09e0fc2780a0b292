using Ferry.Engine.Checker;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Verify;

/// <summary>
/// Verification between two MariaDB servers where both digest each chunk themselves: equal data is found equal
/// without reading rows (also across charsets), and every kind of difference is still found, row by row, with its key.
/// </summary>
public sealed class ServerDigestVerifyTests
{
    private const string Columns =
        "id INT NOT NULL PRIMARY KEY, v VARCHAR(40) COLLATE {0}_general_ci, c CHAR(10), d DECIMAL(12,3), dt DATETIME(6), " +
        "ts TIMESTAMP(3) NULL, day DATE, t TIME(2), b BIT(5), e ENUM('x','y'), y YEAR, bin VARBINARY(8), n INT";

    private const string Rows =
        "INSERT INTO t SELECT seq, CONCAT('name ', seq), IF(seq % 3 = 0, 'pad  ', CONCAT('c', seq)), seq * 1.125, " +
        "'2024-02-29 13:14:15.123456' + INTERVAL seq MINUTE, '2021-06-01 00:00:00.5' + INTERVAL seq HOUR, '1999-12-31' + INTERVAL seq DAY, " +
        "'-838:59:58.25', seq % 32, IF(seq % 2 = 0, 'x', 'y'), 1990 + seq % 50, UNHEX(HEX(seq)), IF(seq % 4 = 0, NULL, seq) FROM seq_1_to_300";

    private static async Task<(Verifier Verifier, TableVerdict Verdict)> VerifyAsync(string srcDb, string dstDb, bool digests = true)
    {
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var dest = new MySqlSnapshotSource(TestDatabases.Dest);
        var table = (await source.ReadTableAsync(new TableName(srcDb, "t"), default))!;
        var verifier = new Verifier(source, dest, [new TableMapping(table, new TableName(dstDb, "t"))], 1) { Rechecks = 0, UseServerDigests = digests };
        var verdicts = await verifier.RunAsync(_ => Task.CompletedTask, default);
        Assert.Null(verdicts[0].Error);
        return (verifier, verdicts[0]);
    }

    private static async Task<(string Src, string Dst)> CreateAsync(TestDatabases dbs, string change, string sourceCharset = "utf8mb4")
    {
        var src = await dbs.CreateAsync(TestServers.MariaDbSource, "verifyperf_dg",
            $"CREATE TABLE t ({string.Format(Columns, sourceCharset)}) DEFAULT CHARSET={sourceCharset}; {Rows};");
        var dst = await dbs.CreateAsync(TestServers.MariaDbDest, "verifyperf_dg",
            $"CREATE TABLE t ({string.Format(Columns, "utf8mb4")}) DEFAULT CHARSET=utf8mb4; {Rows}; {change}");
        return (src, dst);
    }

    [Fact]
    public async Task Equal_data_is_found_equal_by_the_servers_digests_alone()
    {
        await using var dbs = new TestDatabases();
        var (src, dst) = await CreateAsync(dbs, "");
        var table = (await new MySqlSnapshotSource(TestDatabases.Source).ReadTableAsync(new TableName(src, "t"), default))!;
        var columns = table.Columns.Select(c => c.Name).ToArray();
        var all = new Ferry.Engine.Copy.KeyRange(null, null);
        var a = await new MySqlSnapshotSource(TestDatabases.Source).DigestChunkAsync(table, all, columns, default);
        var b = await new MySqlSnapshotSource(TestDatabases.Dest).DigestChunkAsync(table with { Name = new TableName(dst, "t") }, all, columns, default);
        Assert.NotNull(a);
        Assert.Equal(a, b);
        Assert.Equal(300, a.Rows);
        var (verifier, verdict) = await VerifyAsync(src, dst);
        Assert.True(verdict.Consistent);
        Assert.Equal(300, verdict.SourceRows);
        Assert.Equal(300, verdict.DestRows);
        Assert.Equal(1, verifier.DigestedChunks);
    }

    [Fact]
    public async Task Equal_data_in_other_charsets_is_compared_row_by_row_and_found_equal()
    {
        // the source in latin1, the destination in utf8mb4: equal text, other bytes, so the digests are not comparable
        await using var dbs = new TestDatabases();
        var (src, dst) = await CreateAsync(dbs, "", sourceCharset: "latin1");
        var (verifier, verdict) = await VerifyAsync(src, dst);
        Assert.True(verdict.Consistent);
        Assert.Equal(300, verdict.DestRows);
        Assert.Equal(0, verifier.DigestedChunks);
    }

    [Theory]
    [InlineData("one column of one row", "UPDATE t SET d = d + 0.001 WHERE id = 7", 'm', 7)]
    [InlineData("NULL for a value", "UPDATE t SET n = NULL WHERE id = 5", 'm', 5)]
    [InlineData("case only, equal under the _ci collation", "UPDATE t SET v = UPPER(v) WHERE id = 11", 'm', 11)]
    [InlineData("a trailing space, equal under PAD SPACE", "UPDATE t SET v = CONCAT(v, ' ') WHERE id = 12", 'm', 12)]
    [InlineData("a microsecond", "UPDATE t SET dt = dt + INTERVAL 1 MICROSECOND WHERE id = 13", 'm', 13)]
    [InlineData("one bit", "UPDATE t SET b = b ^ 1 WHERE id = 14", 'm', 14)]
    [InlineData("a missing row", "DELETE FROM t WHERE id = 9", 's', 9)]
    [InlineData("an extra row", "INSERT INTO t (id, v) VALUES (1000, 'extra')", 'x', 1000)]
    public async Task A_difference_is_found_with_its_key(string what, string change, char kind, int id)
    {
        await using var dbs = new TestDatabases();
        var (src, dst) = await CreateAsync(dbs, change + ";");
        var (verifier, verdict) = await VerifyAsync(src, dst);
        Assert.False(verdict.Consistent, what);
        Assert.Equal(0, verifier.DigestedChunks);
        var keys = kind switch { 'm' => verdict.Mismatched, 's' => verdict.MissingInDest, _ => verdict.ExtraInDest };
        Assert.Equal([(long)id], keys.Select(k => (long)k[0]!).ToArray());
        Assert.Equal(1, verdict.Mismatched.Count + verdict.MissingInDest.Count + verdict.ExtraInDest.Count);

        // the rows compared as read give the same verdict
        var (_, plain) = await VerifyAsync(src, dst, digests: false);
        Assert.Equal(verdict.Mismatched.Concat(verdict.MissingInDest).Concat(verdict.ExtraInDest).Select(k => k[0]),
            plain.Mismatched.Concat(plain.MissingInDest).Concat(plain.ExtraInDest).Select(k => k[0]));
    }

    [Fact]
    public async Task A_float_column_is_compared_row_by_row_and_a_precision_difference_found()
    {
        await using var dbs = new TestDatabases();
        const string sql = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, f DOUBLE); INSERT INTO t SELECT seq, seq / 7 FROM seq_1_to_50;";
        var src = await dbs.CreateAsync(TestServers.MariaDbSource, "verifyperf_fl", sql);
        var dst = await dbs.CreateAsync(TestServers.MariaDbDest, "verifyperf_fl", sql + "UPDATE t SET f = f * (1 + 1e-15) WHERE id = 3;");
        var (verifier, verdict) = await VerifyAsync(src, dst);
        Assert.Equal(0, verifier.DigestedChunks);
        Assert.Equal([3L], verdict.Mismatched.Select(k => (long)k[0]!).ToArray());
    }

    [Fact]
    public async Task A_table_whose_row_text_mixes_two_non_unicode_charsets_is_compared_row_by_row()
    {
        // CONCAT_WS over a latin1 and a cp1251 column is an illegal mix of collations on the server: no digest, rows instead
        await using var dbs = new TestDatabases();
        const string sql = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a VARCHAR(10) CHARACTER SET latin1, b VARCHAR(10) CHARACTER SET cp1251); " +
                           "INSERT INTO t SELECT seq, CONCAT('a', seq), CONCAT('b', seq) FROM seq_1_to_40;";
        var src = await dbs.CreateAsync(TestServers.MariaDbSource, "verifyperf_mix", sql);
        var dst = await dbs.CreateAsync(TestServers.MariaDbDest, "verifyperf_mix", sql + "UPDATE t SET b = 'other' WHERE id = 7;");
        var (verifier, verdict) = await VerifyAsync(src, dst);
        Assert.Equal(0, verifier.DigestedChunks);
        Assert.Equal([7L], verdict.Mismatched.Select(k => (long)k[0]!).ToArray());
        Assert.Equal(40, verdict.SourceRows);
    }

    [Fact]
    public async Task Only_the_chunk_whose_digests_differ_is_read_row_by_row()
    {
        await using var dbs = new TestDatabases();
        const string sql = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL); INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_45000;";
        var src = await dbs.CreateAsync(TestServers.MariaDbSource, "verifyperf_ch", sql);
        var dst = await dbs.CreateAsync(TestServers.MariaDbDest, "verifyperf_ch", sql + "UPDATE t SET v = 'changed' WHERE id = 30000;");
        var (verifier, verdict) = await VerifyAsync(src, dst);
        // three chunks of 20,000 rows: the whole-table digests differ, two chunks' digests agree, the third is compared row by row
        Assert.Equal(2, verifier.DigestedChunks);
        Assert.Equal([30000L], verdict.Mismatched.Select(k => (long)k[0]!).ToArray());
        Assert.Empty(verdict.MissingInDest);
        Assert.Empty(verdict.ExtraInDest);
        Assert.Equal(45000, verdict.SourceRows);
        Assert.Equal(45000, verdict.DestRows);
    }
}
