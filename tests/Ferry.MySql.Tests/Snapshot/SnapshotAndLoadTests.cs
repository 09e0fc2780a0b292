using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Snapshot;

public sealed class SnapshotAndLoadTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("snap");

    public Task InitializeAsync() => TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");

    public async Task DisposeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
    }

    [Theory]
    [InlineData("id INT PRIMARY KEY", "seq", 1000, 64)]
    [InlineData("a INT NOT NULL, b VARCHAR(20) NOT NULL, PRIMARY KEY (a, b)", "seq % 7, CONCAT('k', seq)", 999, 50)]
    [InlineData("code VARCHAR(40) NOT NULL, UNIQUE KEY (code)", "CONCAT('ü-', LPAD(seq, 6, '0'))", 777, 100)]
    public async Task Chunks_cover_every_row_exactly_once(string keyDdl, string keyValues, int rows, int perChunk)
    {
        var table = "t" + Math.Abs(keyDdl.GetHashCode() % 1000);
        await TestServers.ExecAsync(TestServers.MariaDbSource,
            $"CREATE TABLE `{table}` ({keyDdl}, payload VARCHAR(20)); INSERT INTO `{table}` SELECT {keyValues}, CONCAT('p', seq) FROM seq_1_to_{rows}", _db);
        var source = new MySqlSnapshotSource(Servers.Source);
        var schema = (await source.ReadTableAsync(new TableName(_db, table), CancellationToken.None))!;
        Assert.NotEmpty(schema.Key);
        var chunks = await source.PlanChunksAsync(schema, perChunk, CancellationToken.None);
        Assert.True(chunks.Count >= rows / perChunk, $"{chunks.Count} chunks");
        var seen = new List<string>();
        foreach (var chunk in chunks)
        {
            var part = await source.ReadChunkAsync(schema, chunk, CancellationToken.None).ToListAsync();
            Assert.True(part.Count <= perChunk, $"a chunk of {part.Count} rows");
            seen.AddRange(part.Select(r => RowValues.CanonicalRow(schema.KeyOrdinals().Select(i => r[i]).ToArray())));
        }
        Assert.Equal(rows, seen.Count);
        Assert.Equal(rows, seen.Distinct().Count());
    }

    [Fact]
    public async Task Schema_and_bulk_load_copy_every_type_exactly_and_a_redone_chunk_changes_nothing()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE types (
              id INT PRIMARY KEY, tiu TINYINT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, d DECIMAL(65,30), f FLOAT, db DOUBLE,
              dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(6), y YEAR, b BIT(13), e ENUM('x','y'), s SET('a','b'),
              vc VARCHAR(50), l1 VARCHAR(20) CHARACTER SET latin1, vb VARBINARY(10), bl BLOB, j JSON,
              g INT AS (id * 2) VIRTUAL, KEY by_vc (vc)
            ) DEFAULT CHARSET=utf8mb4;
            SET time_zone = '+00:00';
            INSERT INTO types (id, tiu, bi, biu, d, f, db, dt, dtm, ts, tm, y, b, e, s, vc, l1, vb, bl, j) VALUES
            (1, 255, -9223372036854775808, 18446744073709551615, '-1.000000000000000000000000000001', 1.17549e-38, -2.5e300,
             '1000-01-01', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '-838:59:59', 2155, b'1000000000001', 'y', 'a,b',
             'ça 😀', 'é€', X'00000000', X'FF00', '{"a":1}'),
            (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            INSERT INTO types (id, vc) SELECT seq + 10, CONCAT('row ', seq) FROM seq_1_to_3000;
            """, _db);
        var source = new MySqlSnapshotSource(Servers.Source);
        var dest = new MySqlDestination(Servers.Dest);
        var schema = (await source.ReadTableAsync(new TableName(_db, "types"), CancellationToken.None))!;
        Assert.True(schema.Columns.Single(c => c.Name == "g").IsGenerated);
        var mapping = new TableMapping(schema, new TableName(_db, "types"));
        var ddl = await dest.CreateTableAsync(mapping, CancellationToken.None);
        Assert.Contains("CREATE TABLE IF NOT EXISTS", ddl);
        long copied = 0;
        var chunks = await source.PlanChunksAsync(schema, 700, CancellationToken.None);
        foreach (var chunk in chunks) copied += await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(schema, chunk, CancellationToken.None), CancellationToken.None);
        Assert.Equal(3002, copied);
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, "types");

        // Redo the first chunk, as after a crash: the destination is unchanged.
        await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(schema, chunks[0], CancellationToken.None), CancellationToken.None);
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, "types");

        // Reading the destination gives the same values as reading the source.
        var destSchema = (await new MySqlSnapshotSource(Servers.Dest).ReadTableAsync(new TableName(_db, "types"), CancellationToken.None))!;
        var a = await source.ReadRowsAsync(schema, [[1L]], CancellationToken.None).ToListAsync();
        var b = await new MySqlSnapshotSource(Servers.Dest).ReadRowsAsync(destSchema, [[1L]], CancellationToken.None).ToListAsync();
        Assert.Equal(RowValues.CanonicalRow(a[0]), RowValues.CanonicalRow(b[0]));
        Assert.Equal("-1.000000000000000000000000000001", a[0][4]);
        Assert.Equal(new DateTime(2038, 1, 19, 3, 14, 7, DateTimeKind.Utc).AddTicks(9999990), a[0][9]);
    }

    [Fact]
    public async Task FLOAT_is_read_as_the_float32_the_server_stores_not_the_six_digits_its_text_protocol_sends()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, "CREATE TABLE floats (id INT PRIMARY KEY, f FLOAT)", _db);
        float[] values = [1.2345678f, 16777216f, 3.4e38f, -1.17549435e-38f, 0.1f, 123456.789f, 0f];
        await using (var c = await TestServers.OpenAsync(TestServers.MariaDbSource))
        {
            for (var i = 0; i < values.Length; i++)
            {
                await using var cmd = new MySqlConnector.MySqlCommand($"INSERT INTO `{_db}`.floats VALUES (@id, @f)", c);
                cmd.Parameters.AddWithValue("@id", i);
                cmd.Parameters.AddWithValue("@f", values[i]);
                await cmd.ExecuteNonQueryAsync();
            }
        }
        var source = new MySqlSnapshotSource(Servers.Source);
        var schema = (await source.ReadTableAsync(new TableName(_db, "floats"), CancellationToken.None))!;
        var rows = await source.ReadRowsAsync(schema, values.Select((_, i) => new object?[] { (long)i }).ToList(), CancellationToken.None).ToListAsync();
        Assert.Equal(values, rows.Select(r => (float)r[1]!));
        // the server's own text of the first value has only six digits: reading it as sent would not be exact
        await using var check = await TestServers.OpenAsync(TestServers.MariaDbSource);
        await using var text = new MySqlConnector.MySqlCommand($"SELECT f FROM `{_db}`.floats WHERE id = 0", check);
        Assert.NotEqual(values[0], Convert.ToSingle(await text.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
