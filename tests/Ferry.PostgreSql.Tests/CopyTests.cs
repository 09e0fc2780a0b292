using Ferry.Engine.Connections;
using Ferry.Engine.Filters;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Snapshot;
using Ferry.PostgreSql.Writer;
using Ferry.TestSupport;

namespace Ferry.PostgreSql.Tests;

public sealed class CopyTests
{
    private const string TypesTable = """
        CREATE TYPE {s}.mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TABLE {s}.types (
          id int8 PRIMARY KEY,
          i2 int2, i4 int4, i8 int8,
          n numeric(38,10), nf numeric,
          f4 float4, f8 float8,
          b bool, t text, vc varchar(20), ch char(5),
          by bytea, d date, ts timestamp, tstz timestamptz, tm time(6), iv interval,
          u uuid, j json, jb jsonb, ip inet, net cidr, mac macaddr,
          arr int4[], tarr text[], m {s}.mood, mo money,
          g int8 GENERATED ALWAYS AS (i4::int8 * 2) STORED
        );
        """;

    private const string TypesRows = """
        INSERT INTO {s}.types (id, i2, i4, i8, n, nf, f4, f8, b, t, vc, ch, by, d, ts, tstz, tm, iv, u, j, jb, ip, net, mac, arr, tarr, m, mo) VALUES
        (1, -32768, -2147483648, -9223372036854775808, -9999999999999999999999999999.9999999999, 0.000000000000000000001234567890123456789,
         '-Infinity', 'NaN', false, E'emoji \U0001F600 \u00fc quote '' dq " backslash \\ tab\t nl\n', '', 'a',
         '\x00ff0000'::bytea, '1970-01-01', '1900-01-01 00:00:00', '1970-01-01 00:00:00+00', '00:00:00', '-178000000 years',
         '00000000-0000-0000-0000-000000000000', '{"b":1,  "a":[1,2]}', '{"b":1,  "a":[1,2]}', '0.0.0.0', '0.0.0.0/0', '00:00:00:00:00:00',
         '{}', '{}', 'sad', '-92233720368547758.08'),
        (2, 32767, 2147483647, 9223372036854775807, 9999999999999999999999999999.9999999999, 12345678901234567890.1234567890123456789,
         'Infinity', 1.7976931348623157e308, true, 'Ünïcödé ✓ 日本語', 'exactly twenty chars', 'ab',
         '\x'::bytea, '2024-02-29', '2024-02-29 23:59:59.999999', '2024-06-01 12:00:00.123456+09', '23:59:59.999999', '1 year 2 mons -3 days 04:05:06.789',
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[1, "x", null]', '{"z": {"y": [true, false]}}', '2001:db8::1/64', '10.0.0.0/8', '08:00:2b:01:02:03',
         '{1,NULL,3}', '{"a b","c,d",NULL,"\"q\""}', 'happy', '92233720368547758.07'),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 0, 0, 0, 0, 0, 1.17549435e-38, 4.9e-324, true, ' lead and trail ', 'x', '     ',
         '\x5c27'::bytea, 'infinity', 'infinity', '-infinity', '12:34:56.5', '0', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '"just a string"', 'null', '::1', '::/0', 'ff:ff:ff:ff:ff:ff',
         '{{1,2},{3,4}}', '{""}', 'ok', '0'),
        (5, 1, 1, 1, 0.0000000001, 1.50, 3.4028235e38, -0.0, false, 'x', 'y', 'abcde',
         '\xdeadbeef'::bytea, '2000-01-01', '2000-01-01 00:00:00.000001', '1999-12-31 23:59:59.999999-12', '00:00:00.000001', '1 day', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '{}', '{}', '192.168.1.1', '192.168.0.0/16', '01:02:03:04:05:06',
         '{-2147483648,2147483647}', '{"NULL"}', 'sad', '0.01');
        INSERT INTO {s}.types (id, i4, t) SELECT g, g, 'row ' || g FROM generate_series(6, 40) g;
        """;

    [Fact]
    public async Task Every_type_is_copied_chunk_by_chunk_value_by_value_and_a_redone_chunk_is_harmless()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, TypesTable.Replace("{s}", q) + TypesRows.Replace("{s}", q));
        // the enum is a user type: the destination needs it before the table (creating user types is the schema stage's job)
        await PgTestServers.ExecAsync(TestServers.PgDest, $"CREATE TYPE {q}.mood AS ENUM ('sad', 'ok', 'happy')");

        var source = new PostgreSqlSnapshotSource(PgTestServers.Source);
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        Assert.Contains(s, await source.ListDatabasesAsync(CancellationToken.None));
        Assert.Equal(["types"], await source.ListTablesAsync(s, CancellationToken.None));
        var table = (await source.ReadTableAsync(new TableName(s, "types"), CancellationToken.None))!;
        Assert.Equal(["id"], table.Key);
        Assert.Equal("numeric", table.Columns[table.IndexOf("n")].DataType);
        Assert.Equal("numeric(38,10)", table.Columns[table.IndexOf("n")].ColumnType);
        Assert.Equal((38, 10), (table.Columns[table.IndexOf("n")].Precision, table.Columns[table.IndexOf("n")].Scale));
        Assert.Equal("_int4", table.Columns[table.IndexOf("arr")].DataType);
        Assert.Equal("character(5)", table.Columns[table.IndexOf("ch")].ColumnType);
        Assert.True(table.Columns[table.IndexOf("g")].IsGenerated);
        Assert.False(table.Columns[table.IndexOf("id")].IsNullable);

        var mapping = new TableMapping(table, table.Name);
        await dest.CreateTableAsync(mapping, CancellationToken.None);
        var chunks = await source.PlanChunksAsync(table, 7, CancellationToken.None);
        Assert.Equal(6, chunks.Count);
        Assert.Null(chunks[^1].UpTo);
        long total = 0;
        foreach (var chunk in chunks)
            total += await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(table, chunk, CancellationToken.None), CancellationToken.None);
        Assert.Equal(40, total);

        // a chunk redone after a crash, and one redone after the source changed: the destination ends equal to the source
        await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(table, chunks[0], CancellationToken.None), CancellationToken.None);
        await PgTestServers.ExecAsync(TestServers.PgSource, $"UPDATE {q}.types SET t = 'changed', i4 = 7 WHERE id = 9");
        await dest.BulkLoadAsync(mapping, source.ReadChunkAsync(table, chunks[1], CancellationToken.None), CancellationToken.None);

        var expected = await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.types");
        var actual = await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.types");
        Assert.Equal(40, actual.Count);
        for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
        Assert.Contains("\"g\":14", actual.Single(r => r.StartsWith("{\"id\":9,", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Built_in_types_pass_through_undecoded_and_a_redone_chunk_replaces_its_range()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, TypesTable.Replace("{s}", q) + TypesRows.Replace("{s}", q) +
            $"ALTER TABLE {q}.types DROP COLUMN m, DROP COLUMN mo; CREATE TABLE {q}.nokey (a int4, b text); INSERT INTO {q}.nokey SELECT g, 'n' || g FROM generate_series(1, 5) g;");
        await PgTestServers.ExecAsync(TestServers.PgDest, $"CREATE TYPE {q}.mood AS ENUM ('sad', 'ok', 'happy')");
        var source = new PostgreSqlSnapshotSource(PgTestServers.Source);
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        var table = (await source.ReadTableAsync(new TableName(s, "types"), CancellationToken.None))!;
        var mapping = new TableMapping(table, table.Name);
        await dest.CreateTableAsync(mapping, CancellationToken.None);
        var chunks = await source.PlanChunksAsync(table, 7, CancellationToken.None);
        long total = 0;
        foreach (var chunk in chunks)
            total += await dest.TryCopyChunkAsync(source, mapping, chunk, CancellationToken.None) ?? throw new Xunit.Sdk.XunitException("not passed through");
        Assert.Equal(40, total);

        // redone after a crash that came after its commit: the same rows, not twice
        Assert.Equal(7, await dest.TryCopyChunkAsync(source, mapping, chunks[1], CancellationToken.None));
        // redone after the source changed in its range (a row deleted, one changed, one added): the range is the source's again
        await PgTestServers.ExecAsync(TestServers.PgSource,
            $"DELETE FROM {q}.types WHERE id = 9; UPDATE {q}.types SET t = 'changed', i4 = 7 WHERE id = 10; INSERT INTO {q}.types (id, t) VALUES (100, 'late')");
        Assert.Equal(6, await dest.TryCopyChunkAsync(source, mapping, chunks[1], CancellationToken.None));
        Assert.Equal(6, await dest.TryCopyChunkAsync(source, mapping, chunks[^1], CancellationToken.None));

        var expected = await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.types");
        var actual = await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.types");
        Assert.Equal(40, actual.Count);
        Assert.Equal(expected, actual);
        Assert.Contains("\"g\":14", actual.Single(r => r.StartsWith("{\"id\":10,", StringComparison.Ordinal)));

        // a table without a key is one chunk, emptied first: a redo does not double it
        var nokey = (await source.ReadTableAsync(new TableName(s, "nokey"), CancellationToken.None))!;
        var nokeyMapping = new TableMapping(nokey, nokey.Name);
        await dest.CreateTableAsync(nokeyMapping, CancellationToken.None);
        Assert.Equal(5, await dest.TryCopyChunkAsync(source, nokeyMapping, new Ferry.Engine.Copy.KeyRange(null, null), CancellationToken.None));
        Assert.Equal(5, await dest.TryCopyChunkAsync(source, nokeyMapping, new Ferry.Engine.Copy.KeyRange(null, null), CancellationToken.None));
        Assert.Equal(await PgTestServers.RowsAsync(TestServers.PgSource, $"{q}.nokey", "a"), await PgTestServers.RowsAsync(TestServers.PgDest, $"{q}.nokey", "a"));
    }

    [Fact]
    public async Task User_types_filters_and_other_engines_types_take_the_decoding_path()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource, TestServers.PgDest);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, TypesTable.Replace("{s}", q) + TypesRows.Replace("{s}", q));
        var source = new PostgreSqlSnapshotSource(PgTestServers.Source);
        var table = (await source.ReadTableAsync(new TableName(s, "types"), CancellationToken.None))!;
        var all = new Ferry.Engine.Copy.KeyRange(null, null);
        // an enum's binary form is read against the destination's own type, money's by its lc_monetary: not passed through
        Assert.Null(await new PostgreSqlDestination(PgTestServers.Dest).TryCopyChunkAsync(source, new TableMapping(table, table.Name), all, CancellationToken.None));
        var plain = table with { Columns = table.Columns.Where(c => c.Name is not ("m" or "mo")).ToList() };
        Assert.Null(await new PostgreSqlDestination(PgTestServers.Dest).TryCopyChunkAsync(source, new TableMapping(plain, plain.Name, RowFilter.Parse("i4 > 10")), all, CancellationToken.None));
        Assert.Null(await new PostgreSqlDestination(PgTestServers.Dest, new MySqlToPostgreSqlTypeMapper()).TryCopyChunkAsync(source, new TableMapping(plain, plain.Name), all, CancellationToken.None));

        // a target made by the operator with other types, and a text key (its range would be compared by the destination's collation)
        await PgTestServers.ExecAsync(TestServers.PgSource, $"CREATE TABLE {q}.narrow (id int4 PRIMARY KEY, v int4); INSERT INTO {q}.narrow VALUES (1, 1);" +
                                                            $"CREATE TABLE {q}.named (k text PRIMARY KEY, v int4); INSERT INTO {q}.named VALUES ('a', 1)");
        await PgTestServers.ExecAsync(TestServers.PgDest, $"CREATE TABLE {q}.narrow (id int8 PRIMARY KEY, v int8); CREATE TABLE {q}.named (k text PRIMARY KEY, v int4)");
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        var narrow = (await source.ReadTableAsync(new TableName(s, "narrow"), CancellationToken.None))!;
        Assert.Null(await dest.TryCopyChunkAsync(source, new TableMapping(narrow, narrow.Name), all, CancellationToken.None));
        Assert.Equal(1, await dest.BulkLoadAsync(new TableMapping(narrow, narrow.Name), source.ReadChunkAsync(narrow, all, CancellationToken.None), CancellationToken.None));
        var named = (await source.ReadTableAsync(new TableName(s, "named"), CancellationToken.None))!;
        Assert.Null(await dest.TryCopyChunkAsync(source, new TableMapping(named, named.Name), all, CancellationToken.None));
        Assert.Equal(0L, await PgTestServers.ScalarAsync(TestServers.PgDest, $"SELECT count(*) FROM {q}.named"));
    }

    [Fact]
    public async Task Values_follow_the_row_value_conventions()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, TypesTable.Replace("{s}", q) + TypesRows.Replace("{s}", q));
        var source = new PostgreSqlSnapshotSource(PgTestServers.Source);
        var table = (await source.ReadTableAsync(new TableName(s, "types"), CancellationToken.None))!;
        var rows = await source.ReadChunkAsync(table, new Ferry.Engine.Copy.KeyRange(null, [2L]), CancellationToken.None).ToListAsync();
        Assert.Equal(2, rows.Count);
        object? V(int row, string column) => rows[row][table.IndexOf(column)];
        Assert.Equal(long.MinValue, V(0, "i8"));
        Assert.Equal(-32768L, V(0, "i2"));
        Assert.Equal("-9999999999999999999999999999.9999999999", V(0, "n"));
        Assert.Equal("0.000000000000000000001234567890123456789", V(0, "nf"));
        Assert.Equal(float.NegativeInfinity, V(0, "f4"));
        Assert.True(double.IsNaN((double)V(0, "f8")!));
        Assert.Equal(new byte[] { 0, 0xff, 0, 0 }, V(0, "by"));
        Assert.Equal(new DateOnly(1970, 1, 1), V(0, "d"));
        Assert.Equal("ab   ", V(1, "ch"));
        Assert.Equal(new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Unspecified).AddTicks(9999990), V(1, "ts"));
        var tstz = (DateTime)V(1, "tstz")!;
        Assert.Equal(DateTimeKind.Utc, tstz.Kind);
        Assert.Equal(new DateTime(2024, 6, 1, 3, 0, 0, DateTimeKind.Utc).AddTicks(1234560), tstz);
        Assert.Equal(new TimeSpan(0, 23, 59, 59).Add(TimeSpan.FromTicks(9999990)), V(1, "tm"));
        Assert.Equal("1 year 2 mons -3 days +04:05:06.789", V(1, "iv"));
        Assert.Equal("{1,NULL,3}", V(1, "arr"));
        Assert.Equal("happy", V(1, "m"));
        Assert.Equal("$92,233,720,368,547,758.07", V(1, "mo"));
        Assert.Equal(true, V(1, "b"));
        Assert.Equal(4294967294L, V(1, "g"));
    }

    [Fact]
    public async Task Filters_are_pushed_down_and_matched_on_the_server_alike()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgSource);
        var q = $"\"{s}\"";
        await PgTestServers.ExecAsync(TestServers.PgSource, TypesTable.Replace("{s}", q) + TypesRows.Replace("{s}", q));
        var source = new PostgreSqlSnapshotSource(PgTestServers.Source);
        var table = (await source.ReadTableAsync(new TableName(s, "types"), CancellationToken.None))!;
        var all = await source.ReadChunkAsync(table, new Ferry.Engine.Copy.KeyRange(null, null), CancellationToken.None).ToListAsync();
        foreach (var text in new[] { "I4 > 10 AND T LIKE 'row 1%'", "n IS NULL OR n < 0", "m = 'happy' OR ch = 'ab'", "d >= '2000-01-01'", "t = 'it''s' OR t IN ('row 7', 'x')", "tstz < '1990-01-01'" })
        {
            var filter = RowFilter.Parse(text);
            var pushed = (await source.ReadChunkAsync(table, new Ferry.Engine.Copy.KeyRange(null, null), CancellationToken.None, filter).ToListAsync())
                .Select(r => (long)r[0]!).ToList();
            var matched = await source.MatchAsync(table, filter, all, CancellationToken.None);
            var judged = all.Where((_, i) => matched[i]).Select(r => (long)r[0]!).ToList();
            Assert.Equal(pushed, judged);
            Assert.NotEmpty(pushed);
        }
        var byKey = await source.ReadRowsAsync(table, [[3L], [40L], [999L]], CancellationToken.None).ToListAsync();
        Assert.Equal([3L, 40L], byKey.Select(r => (long)r[0]!));
    }
}
