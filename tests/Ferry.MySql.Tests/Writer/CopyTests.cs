using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Writer;

public sealed class CopyTests
{
    public const string TypesTable =
        """
        CREATE TABLE types (
          id INT NOT NULL PRIMARY KEY,
          ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
          i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, tiny1 TINYINT(1),
          d65 DECIMAL(65,30), d10 DECIMAL(10,2), f FLOAT, dbl DOUBLE,
          dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), y YEAR, b BIT(13),
          e ENUM('a','b','ç'), s SET('x','y','z'),
          c CHAR(10), vc VARCHAR(100), tx TEXT, l1 VARCHAR(50) CHARACTER SET latin1,
          bin BINARY(8), vb VARBINARY(20), bl BLOB, j JSON, vbin VARCHAR(10) CHARACTER SET binary,
          g BIGINT AS (bi + 1) VIRTUAL
        ) DEFAULT CHARSET=utf8mb4;
        INSERT INTO types (id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, tiny1, d65, d10, f, dbl, dt, dtm, ts, tm, y, b, e, s, c, vc, tx, l1, bin, vb, bl, j, vbin) VALUES
        (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775807, 0, -1,
         '-99999999999999999999999999999999999.999999999999999999999999999999', -99999999.99, -3.40282e38, -1.7976931348623157e308,
         '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59.000000', 1901, 0, 'a', '',
         '', '', '', 'àéîõü ÿ', 0x00, 0x0000, '', '[]', 0x00),
        (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775806, 18446744073709551615, 5,
         '99999999999999999999999999999999999.999999999999999999999999999999', 99999999.99, 3.40282e38, 1.7976931348623157e308,
         '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.000000', 2155, b'1111111111111', 'ç', 'x,y,z',
         'emoji😀', 'héllo 😀 世界', 'tab\there\nnew line \\ backslash \0 nul', 'Ærø ñ ©', 0x0102000000, 0x41000000, 0x00FF000A0D09, '{"k": "v😀", "n": [1, 2]}', 0x6100),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, '0.000000000000000000000000000001', 0.01, 0.1, 0.1,
         '2024-02-29', '2024-02-29 12:00:00.5', '2024-02-29 12:00:00.5', '-00:00:01.500000', 0, 1, 'b', 'y',
         '\\N', '\\N', 'NULL', '', 0x5C4E, 0x0A, 0x5C, 'null', 0x5C4E),
        (5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, '-12.5', -12.5, 1.17549e-38, 2.2250738585072014e-308,
         '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '100:00:00.000001', 2000, 4096, NULL, 'x,z',
         ' pad ', 'trailing  ', ' ', 'a', 0x20, 0x2000, NULL, '"s"', NULL);
        INSERT INTO types (id, i, bi, d65, d10, f, dbl, dtm, ts, tm, vc, l1, vb)
        SELECT 100 + seq, seq, seq * 1000003, seq / 7, seq / 3, seq / 3, seq / 3,
               '2020-01-01' + INTERVAL seq HOUR, '2020-01-01' + INTERVAL seq * 7 MINUTE, SEC_TO_TIME(seq * 3607.25),
               CONCAT('row ', seq, ' ✓'), CONCAT('rå ', seq), UNHEX(LPAD(HEX(seq), 8, '0'))
        FROM seq_1_to_60;
        """;

    [Fact]
    public async Task Types_copy_chunk_by_chunk_is_exact()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "copy", TypesTable);
        var targetDb = dbs.Reserve(TestServers.MariaDbDest, "copy_dst");

        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var dest = new MySqlDestination(TestDatabases.Dest);
        var table = (await source.ReadTableAsync(new TableName(db, "types"), default))!;
        Assert.Equal(["id"], table.Key);
        Assert.True(table.Columns[table.IndexOf("g")].IsGenerated);
        Assert.Equal("latin1", table.Columns[table.IndexOf("l1")].Charset);
        Assert.True(table.Columns[table.IndexOf("biu")].IsUnsigned);
        Assert.Equal(30, table.Columns[table.IndexOf("d65")].Scale);

        var mapping = new TableMapping(table, new TableName(targetDb, "types"));
        var ddl = await dest.CreateTableAsync(mapping, default);
        Assert.Contains("CREATE TABLE IF NOT EXISTS", ddl);
        await dest.CreateTableAsync(mapping, default); // idempotent

        var chunks = await source.PlanChunksAsync(table, 7, default);
        Assert.True(chunks.Count >= 9, $"{chunks.Count} chunks");
        long loaded = 0;
        foreach (var chunk in chunks) loaded += await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(table, chunk, default), default);
        Assert.Equal(65, loaded);
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "types", targetDb);

        // a redone chunk replaces its rows instead of failing or duplicating them
        await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(table, chunks[0], default), default);
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "types", targetDb);
    }

    [Fact]
    public async Task Values_follow_the_RowValues_conventions()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "vals", TypesTable);
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var table = (await source.ReadTableAsync(new TableName(db, "types"), default))!;
        var rows = new Dictionary<long, object?[]>();
        await foreach (var row in source.ReadRowsAsync(table, [[1L], [2L], [3L], [4L], [5L]], default)) rows[(long)row[0]!] = row;
        object? V(long id, string col) => rows[id][table.IndexOf(col)];

        Assert.Equal(-128L, V(1, "ti"));
        Assert.Equal(18446744073709551615UL, V(2, "biu"));
        Assert.Equal(-1L, V(1, "tiny1"));
        Assert.Equal("-99999999999999999999999999999999999.999999999999999999999999999999", V(1, "d65"));
        Assert.Equal("-12.50", V(5, "d10"));
        Assert.Equal("-12.500000000000000000000000000000", V(5, "d65"));
        Assert.Equal(new DateOnly(1000, 1, 1), V(1, "dt"));
        var ts = Assert.IsType<DateTime>(V(2, "ts"));
        Assert.Equal(DateTimeKind.Utc, ts.Kind);
        Assert.Equal(new DateTime(2038, 1, 19, 3, 14, 7, DateTimeKind.Utc).AddTicks(9999990), ts);
        Assert.Equal(DateTimeKind.Unspecified, Assert.IsType<DateTime>(V(2, "dtm")).Kind);
        Assert.Equal(-(TimeSpan.FromHours(838) + TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(59)), V(1, "tm"));
        Assert.Equal(TimeSpan.FromHours(100) + TimeSpan.FromTicks(10), V(5, "tm"));
        Assert.Equal(0L, V(4, "y"));
        Assert.Equal(2155L, V(2, "y"));
        Assert.Equal(8191UL, V(2, "b"));
        Assert.Equal("ç", V(2, "e"));
        Assert.Equal("x,y,z", V(2, "s"));
        Assert.Equal("héllo 😀 世界", V(2, "vc"));
        Assert.Equal("Ærø ñ ©", V(2, "l1"));
        Assert.Equal(new byte[] { 1, 2, 0, 0, 0, 0, 0, 0 }, V(2, "bin"));
        Assert.Equal(new byte[] { 0x41, 0, 0, 0 }, V(2, "vb"));
        Assert.Equal(new byte[] { 0x61, 0 }, V(2, "vbin"));
        Assert.IsType<string>(V(2, "j"));
        Assert.IsType<float>(V(2, "f"));
        Assert.IsType<double>(V(2, "dbl"));
        Assert.All(rows[3].Skip(1).Take(table.Columns.Count - 2), Assert.Null);
    }

    [Fact]
    public async Task Composite_key_table_copies_in_chunks()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "comp",
            """
            CREATE TABLE comp (a INT NOT NULL, b VARCHAR(20) NOT NULL, c DATETIME(6) NOT NULL, d DECIMAL(30,10) NOT NULL, v TEXT,
              PRIMARY KEY (a, b, c, d));
            INSERT INTO comp SELECT seq % 4, CONCAT(CHAR(65 + seq % 3), '-é-', seq % 5), '2021-01-01' + INTERVAL seq % 2 SECOND,
              seq / 3 - 10, REPEAT('x', seq) FROM seq_1_to_150;
            """);
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var dest = new MySqlDestination(TestDatabases.Dest);
        var table = (await source.ReadTableAsync(new TableName(db, "comp"), default))!;
        Assert.Equal(["a", "b", "c", "d"], table.Key);
        var mapping = new TableMapping(table, new TableName(db, "comp"));
        dbs.Track(TestServers.MariaDbDest, db);
        await dest.CreateTableAsync(mapping, default);
        var chunks = await source.PlanChunksAsync(table, 11, default);
        Assert.Equal(14, chunks.Count);
        foreach (var chunk in chunks) await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(table, chunk, default), default);
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "comp");
    }

    [Fact]
    public async Task Zero_dates_round_trip_through_copy_and_apply()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "zero",
            """
            SET SESSION sql_mode = '';
            CREATE TABLE t (id INT PRIMARY KEY, d DATE, dt DATETIME(6), ts TIMESTAMP NULL DEFAULT NULL);
            INSERT INTO t VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'), (2, '2024-01-01', NULL, NULL);
            """);
        var source = new MySqlSnapshotSource(TestDatabases.Source);
        var dest = new MySqlDestination(TestDatabases.Dest);
        var table = (await source.ReadTableAsync(new TableName(db, "t"), default))!;
        var mapping = new TableMapping(table, new TableName(dbs.Reserve(TestServers.MariaDbDest, "zero_dst"), "t"));
        await dest.CreateTableAsync(mapping, default);
        var rows = new List<object?[]>();
        await foreach (var row in source.ReadChunkAsync(table, new Ferry.Engine.Copy.KeyRange(null, null), default)) rows.Add(row);
        Assert.Equal(DateOnly.MinValue, rows[0][1]);
        await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(table, new Ferry.Engine.Copy.KeyRange(null, null), default), default);
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", mapping.Target.Database);

        var stream = TestServers.UniqueName("stream");
        try
        {
            await dest.ApplyAsync([new Ferry.Engine.Changes.TransactionEvent(
                    [new Ferry.Engine.Changes.RowChange(table.Name, Ferry.Engine.Changes.ChangeKind.Update, rows[0], rows[0])],
                    new Ferry.Engine.Changes.LogPosition("p"), DateTimeOffset.UtcNow)],
                _ => mapping, stream, new Ferry.Engine.Changes.LogPosition("p"), default);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, db, "t", mapping.Target.Database);
        }
        finally
        {
            await dest.DeleteCheckpointAsync(stream, default);
        }
    }
}
