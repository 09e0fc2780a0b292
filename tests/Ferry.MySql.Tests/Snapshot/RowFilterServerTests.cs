using Ferry.Engine.Changes;
using Ferry.Engine.Copy;
using Ferry.Engine.Filters;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Snapshot;

/// <summary>
/// The two ways Ferry applies a row filter must agree on every row: pushed down to the stored table
/// (full copy, verification) and judged over row images (incremental). Both run on the real server.
/// </summary>
public sealed class RowFilterServerTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("rowfilter");

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            SET time_zone = '+00:00';
            CREATE TABLE t (
              id INT NOT NULL PRIMARY KEY,
              ci VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
              bin VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
              uni VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
              d DECIMAL(30,10), f FLOAT, db DOUBLE, u BIGINT UNSIGNED,
              dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2), dd DATE, y YEAR,
              e ENUM('small', 'Large'), s SET('a', 'b', 'c'), j JSON, vb VARBINARY(8), bt BIT(5)
            );
            INSERT INTO t SELECT seq,
              ELT(1 + seq % 6, 'abc', 'ABC', 'Abc  ', 'abd', 'ä', NULL),
              ELT(1 + seq % 4, 'abc', 'ABC', 'abc ', NULL),
              ELT(1 + seq % 5, 'résumé', 'RESUME', 'resume', 'straße', 'strasse'),
              (CAST(seq AS SIGNED) - 40) / 7, (seq % 9) / 4, (seq % 11) / 8, IF(seq % 13 = 0, 18446744073709551615, seq * 1000),
              '2024-01-01' + INTERVAL seq * 997 MINUTE + INTERVAL seq MICROSECOND,
              IF(seq % 10 = 0, NULL, '2024-01-01 00:00:00.001' + INTERVAL seq * 7 HOUR),
              SEC_TO_TIME(CAST(seq AS SIGNED) * 5000 - 200000), '2023-12-25' + INTERVAL seq DAY, 1990 + seq % 40,
              ELT(1 + seq % 3, 'small', 'Large', NULL), ELT(1 + seq % 4, '', 'a', 'a,c', 'b,c'),
              JSON_OBJECT('n', seq % 3), UNHEX(IF(seq % 3 = 0, '0000', LPAD(HEX(seq), 2, '0'))), seq % 32
              FROM seq_1_to_120;
            """, _db);
    }

    public async Task DisposeAsync() => await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");

    [Theory]
    [InlineData("ci = 'abc'")]
    [InlineData("ci < 'abd' OR ci IS NULL")]
    [InlineData("bin = 'abc'")]
        [InlineData("uni = 'resume'")]
    [InlineData("uni LIKE 'r%' AND NOT ci LIKE 'a_c'")]
    [InlineData("d >= -1.5 AND d < 3.142857142857")]
    [InlineData("f = 0.25 OR db BETWEEN 0.3 AND 0.9")]
    [InlineData("u > 100000 AND u <> 18446744073709551615")]
    [InlineData("dt >= '2024-02-01 12:00:00.000005' AND dt < '2024-03-01'")]
    [InlineData("ts >= '2024-01-10' OR ts IS NULL")]
    [InlineData("tm < '-10:00:00' OR tm >= '100:00:00.5'")]
    [InlineData("dd BETWEEN '2024-01-15' AND '2024-02-15'")]
    [InlineData("y IN (1995, 2000, 2029)")]
    [InlineData("e = 'large' OR e IS NULL")]
    [InlineData("s = 'a,c' OR s = ''")]
    [InlineData("vb > 'P' AND vb <> 'a'")]
    [InlineData("bt > 20")]
    [InlineData("NOT (id BETWEEN 10 AND 90) AND id NOT IN (1, 2, 3)")]
    public async Task Judging_row_images_agrees_with_the_pushed_down_filter(string text)
    {
        var source = new MySqlSnapshotSource(Servers.Source);
        var table = (await source.ReadTableAsync(new TableName(_db, "t"), CancellationToken.None))!;
        var filter = RowFilter.Parse(text);
        var all = await source.ReadChunkAsync(table, new KeyRange(null, null), CancellationToken.None).ToListAsync();
        var pushed = (await source.ReadChunkAsync(table, new KeyRange(null, null), CancellationToken.None, filter).ToListAsync())
            .Select(r => (long)r[0]!).ToHashSet();
        var judged = await source.MatchAsync(table, filter, all, CancellationToken.None);
        Assert.Equal(120, all.Count);
        // The filter must select some rows and leave some out, or it tests nothing.
        Assert.InRange(pushed.Count, 1, 119);
        for (var i = 0; i < all.Count; i++)
            Assert.True(pushed.Contains((long)all[i][0]!) == judged[i],
                $"row {all[i][0]}: pushed down {(pushed.Contains((long)all[i][0]!) ? "keeps" : "drops")} it, judging the image says {judged[i]}: {RowValues.CanonicalRow(all[i])}");
    }
}
