using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;
using MySqlConnector;
using Npgsql;

namespace Ferry.Api.Tests;

/// <summary>
/// MariaDB → PostgreSQL through the REST API: a table of every mapped type with edge values goes through schema,
/// full copy, incremental and verify, and the destination is compared row by row and column by column with the
/// source. Both sides are read as text by SQL of this test's own (the source in a UTC session with explicit
/// formatting, the destination with <c>::text</c> in a fixed-settings session) and put in one form by the
/// per-type normalisation below, so nothing of Ferry's readers or canonical forms is trusted here.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class MariaDbToPostgreSqlEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("m2p").ToLowerInvariant();
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    /// <summary>How each column is read on the source (as text) and how both sides' text is put in one form.</summary>

    private static readonly (string Name, string Source, Norm Norm)[] Columns =
    [
        ("ti", "CAST(ti AS CHAR)", Norm.Exact), ("tiu", "CAST(tiu AS CHAR)", Norm.Exact),
        ("si", "CAST(si AS CHAR)", Norm.Exact), ("siu", "CAST(siu AS CHAR)", Norm.Exact),
        ("mi", "CAST(mi AS CHAR)", Norm.Exact), ("miu", "CAST(miu AS CHAR)", Norm.Exact),
        ("i", "CAST(i AS CHAR)", Norm.Exact), ("iu", "CAST(iu AS CHAR)", Norm.Exact),
        ("bi", "CAST(bi AS CHAR)", Norm.Exact), ("biu", "CAST(biu AS CHAR)", Norm.Exact),
        ("d65", "CAST(d65 AS CHAR)", Norm.Exact), ("d52", "CAST(d52 AS CHAR)", Norm.Exact),
        ("f", "CAST(f AS CHAR)", Norm.Float4), ("dbl", "CAST(dbl AS CHAR)", Norm.Float8),
        ("flag", "CAST(flag AS CHAR)", Norm.Bool),
        ("b1", "LPAD(BIN(b1 + 0), 1, '0')", Norm.Exact), ("b5", "LPAD(BIN(b5 + 0), 5, '0')", Norm.Exact), ("b64", "LPAD(BIN(b64 + 0), 64, '0')", Norm.Exact),
        ("y", "CAST(y AS CHAR)", Norm.Exact), ("dt", "DATE_FORMAT(dt, '%Y-%m-%d')", Norm.Exact),
        ("dtm", "DATE_FORMAT(dtm, '%Y-%m-%d %H:%i:%s.%f')", Norm.Timestamp), ("ts", "DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f')", Norm.Timestamp),
        ("tm", "CAST(tm AS CHAR)", Norm.Interval),
        ("c", "CAST(c AS CHAR)", Norm.Exact), ("vc", "CAST(vc AS CHAR)", Norm.Exact), ("tx", "CAST(tx AS CHAR)", Norm.Exact),
        ("lc", "CONVERT(lc USING utf8mb4)", Norm.Exact), ("ltx", "CONVERT(ltx USING utf8mb4)", Norm.Exact),
        ("bn", "HEX(bn)", Norm.Hex), ("vb", "HEX(vb)", Norm.Hex), ("bl", "HEX(bl)", Norm.Hex),
        ("e", "CAST(e AS CHAR)", Norm.Exact), ("st", "CAST(st AS CHAR)", Norm.Exact), ("j", "CAST(j AS CHAR)", Norm.Json),
    ];

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $$"""
            CREATE DATABASE `{{_db}}` CHARACTER SET utf8mb4;
            CREATE TABLE `{{_db}}`.types (
              id INT PRIMARY KEY,
              ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
              i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, d65 DECIMAL(65,30), d52 DECIMAL(5,2), f FLOAT, dbl DOUBLE,
              flag TINYINT(1), b1 BIT(1), b5 BIT(5), b64 BIT(64), y YEAR, dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6),
              c CHAR(10), vc VARCHAR(50), tx TEXT, lc VARCHAR(50) CHARACTER SET latin1, ltx TEXT CHARACTER SET latin1,
              bn BINARY(4), vb VARBINARY(20), bl BLOB, e ENUM('a','b','c d'), st SET('x','y','z'), j JSON
            ) CHARACTER SET utf8mb4;
            SET time_zone = '+00:00';
            INSERT INTO `{{_db}}`.types VALUES
              (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
               '-99999999999999999999999999999999999.999999999999999999999999999999', -999.99, -3.40282e38, -1.7976931348623157e308,
               0, b'0', b'00000', b'0', 1901, '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59.000000',
               '', '', '', '', '', x'00000000', x'00', x'00', 'a', '', '{}'),
              (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
               '99999999999999999999999999999999999.999999999999999999999999999999', 999.99, 3.40282e38, 1.7976931348623157e308,
               1, b'1', b'11111', x'FFFFFFFFFFFFFFFF', 2155, '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.000000',
               'emoji 😀', 'ü 😀 ñ 中文 \'q\' \\ back', REPEAT('long text ✓ ', 2000), 'café ÿ Ø', 'latin1 «ñ» µ',
               x'FF00FF00', x'00FF0000', x'000102FF0000', 'c d', 'x,y,z', '{"b": [1, 2.5, "😀", true], "a": null, "nested": {"k": "v"} }'),
              (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 9223372036854775808, '0.000000000000000000000000000001', 0.01, 1.17549e-38, 2.2250738585072014e-308,
               1, b'1', b'10101', x'8000000000000001', 2000, '2024-02-29', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.000001', '25:30:15.123456',
               'pad  ', 'trailing  ', 'tab\tnewline\n', 'plain', '', x'0000FF', x'', x'', 'b', 'x,z', '[1, "two", {"3": [4]}]'),
              (5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, '-0.000000000000000000000000000001', -0.01, 0, -0.0, 0, b'0', b'00001', x'0000000000000001', 1970,
               '1970-01-01', '1970-01-01 00:00:00.000000', '2001-09-09 01:46:40.5', '-00:00:01.500000', 'x', 'x', 'x', 'x', 'x', x'01', x'01', x'01', 'a', 'y', '"scalar"');
            """);
        // keys whose values or order differ between the engines, over more rows than one verification chunk:
        // BIGINT UNSIGNED beyond bigint, and text under a case-insensitive MySQL collation
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"""
            CREATE TABLE `{_db}`.ukeys (id BIGINT UNSIGNED PRIMARY KEY, v VARCHAR(20));
            INSERT INTO `{_db}`.ukeys SELECT 18446744073709551615 - seq + 1, CONCAT('v', seq) FROM seq_1_to_25000;
            CREATE TABLE `{_db}`.skeys (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT);
            INSERT INTO `{_db}`.skeys SELECT IF(seq % 2 = 0, CONCAT(CHAR(97 + seq % 26), '_', seq), CONCAT(CHAR(65 + seq % 26), '_', seq)), seq FROM seq_1_to_25000;
            """, _db);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await PgExecAsync($"DROP SCHEMA IF EXISTS \"{_db}\" CASCADE");
    }

    private async Task<string> PgDestinationAsync()
    {
        var b = new NpgsqlConnectionStringBuilder(TestServers.PgDest);
        var ds = await _api.PostOkAsync("/api/v1/datasources", new { name = "pg-dest", type = "postgresql", host = b.Host, port = b.Port, user = b.Username, password = b.Password, database = b.Database });
        return ds["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_MariaDb_table_of_every_mapped_type_moves_to_PostgreSql_and_stays_equal_while_changes_stream()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("maria-source", TestServers.MariaDbSource);
        var dst = await PgDestinationAsync();
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("m2p", src, dst, _db)))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var project = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        Assert.Equal(50_005, Scenario.Stage(project, "full")["migratedRows"]!.GetValue<long>());

        // the MySQL database is a schema of the destination's database, with the mapped types
        var types = await PgColumnTypesAsync();
        Assert.Equal("boolean", types["flag"]);
        Assert.Equal("numeric(20,0)", types["biu"]);
        Assert.Equal("interval", types["tm"]);
        Assert.Equal("bit varying(64)", types["b64"]);
        Assert.Equal("timestamp(6) with time zone", types["ts"]);
        Assert.Equal("timestamp(6) without time zone", types["dtm"]);
        Assert.Equal("jsonb", types["j"]);
        Assert.Equal("bytea", types["bl"]);

        // the precheck named the columns that cannot move losslessly, and what Ferry does
        var events = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "warning").Select(e => e!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(events, m => m.Contains("types.flag", StringComparison.Ordinal) && m.Contains("boolean", StringComparison.Ordinal));
        Assert.Contains(events, m => m.Contains("types.tm", StringComparison.Ordinal) && m.Contains("interval", StringComparison.Ordinal));
        Assert.Contains(events, m => m.Contains("types.dt", StringComparison.Ordinal) && m.Contains("zero dates", StringComparison.Ordinal));
        Assert.Contains(events, m => m.Contains("types.j", StringComparison.Ordinal) && m.Contains("jsonb", StringComparison.Ordinal));

        await AssertConvergesAsync(TimeSpan.Zero);

        await TestServers.ExecAsync(TestServers.MariaDbSource, $$"""
            SET time_zone = '+00:00';
            INSERT INTO `{{_db}}`.types (id, flag, biu, tm, b64, ts, dtm, vc, lc, bl, j, st, d65, f, dbl) VALUES
              (6, 1, 18446744073709551615, '-837:00:00.000001', x'7FFFFFFFFFFFFFFF', '2030-05-05 05:05:05.050505', '0001-01-02 03:04:05.000006',
               'streamed 😀', 'Ünïcödé', x'00DEADBEEF00', '{"streamed": [true, false, null]}', 'x,y', '12345.678900000000000000000000000001', 1.5, -2.5e-300);
            UPDATE `{{_db}}`.types SET flag = 0, tm = '100:00:00.000000', biu = biu - 1, vc = 'updated ü', j = '{"z": 1, "a": [2]}', b5 = b'10000', ts = '2000-01-01 00:00:00.000000' WHERE id = 2;
            UPDATE `{{_db}}`.types SET ti = 1, tx = NULL, e = NULL, dt = '2000-02-29' WHERE id = 3;
            DELETE FROM `{{_db}}`.types WHERE id = 4;
            UPDATE `{{_db}}`.types SET id = 40, c = 'moved' WHERE id = 5;
            UPDATE `{{_db}}`.ukeys SET v = 'max' WHERE id = 18446744073709551615;
            DELETE FROM `{{_db}}`.ukeys WHERE id = 18446744073709551614;
            UPDATE `{{_db}}`.skeys SET k = 'zz_moved' WHERE k = 'a_26';
            """);
        await AssertConvergesAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("24999 max 1 0", await PgScalarAsync(
            $"SELECT (SELECT count(*) FROM \"{_db}\".ukeys)::text || ' ' || (SELECT v FROM \"{_db}\".ukeys WHERE id = 18446744073709551615) || ' ' || " +
            $"(SELECT count(*) FROM \"{_db}\".skeys WHERE k = 'zz_moved')::text || ' ' || (SELECT count(*) FROM \"{_db}\".skeys WHERE k = 'a_26')::text"));

        var verified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed", TimeSpan.FromMinutes(2), "verify");
        Assert.Equal(3, Scenario.Stage(verified, "verify")["consistentTables"]!.GetValue<int>());
        Assert.Equal(0, Scenario.Stage(verified, "verify")["inconsistentTables"]?.GetValue<int>() ?? 0);

        // TRUNCATE is applied across engines, and rows after it still follow the source's definition
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"""
            TRUNCATE TABLE `{_db}`.ukeys;
            INSERT INTO `{_db}`.ukeys VALUES (18446744073709551615, 'after truncate'), (1, 'one');
            """);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? after;
        while ((after = await PgScalarAsync($"SELECT string_agg(id::text || '=' || v, ',' ORDER BY id) FROM \"{_db}\".ukeys")) != "1=one,18446744073709551615=after truncate"
               && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.Equal("1=one,18446744073709551615=after truncate", after);

        // MySQL DDL cannot run on PostgreSQL: the writer stops and says why
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"ALTER TABLE `{_db}`.types ADD COLUMN extra INT");
        var failed = await WaitForAsync(scenario, id, p => Scenario.Status(p) == "Failed", TimeSpan.FromMinutes(1));
        Assert.Contains("source engine's SQL", failed["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zero_date_in_the_copy_fails_the_project_naming_the_column()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"""
            SET sql_mode = '';
            CREATE TABLE `{_db}`.dates (id INT PRIMARY KEY, d DATE);
            INSERT INTO `{_db}`.dates VALUES (1, '2024-01-01'), (2, '0000-00-00');
            """);
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("maria-source", TestServers.MariaDbSource);
        var dst = await PgDestinationAsync();
        var body = Scenario.MigrationBody("zero", src, dst, _db, ["schema", "full"]);
        var id = (await _api.PostOkAsync("/api/v1/projects", body))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var failed = await WaitForAsync(scenario, id, p => Scenario.Status(p) == "Failed", TimeSpan.FromMinutes(2));
        var message = failed["error"]!["message"]!.GetValue<string>();
        Assert.Contains($"{_db}.dates.d", message, StringComparison.Ordinal);
        Assert.Contains("zero date", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_TINYINT1_value_other_than_0_or_1_fails_the_writer_naming_the_column()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"""
            CREATE TABLE `{_db}`.flags (id INT PRIMARY KEY, flag TINYINT(1));
            INSERT INTO `{_db}`.flags VALUES (1, 1), (2, 0);
            """);
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("maria-source", TestServers.MariaDbSource);
        var dst = await PgDestinationAsync();
        var body = Scenario.MigrationBody("flags", src, dst, _db, ["schema", "full", "incremental"]);
        var id = (await _api.PostOkAsync("/api/v1/projects", body))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"INSERT INTO `{_db}`.flags VALUES (3, 5)");
        var failed = await WaitForAsync(scenario, id, p => Scenario.Status(p) == "Failed", TimeSpan.FromMinutes(1));
        var message = failed["error"]!["message"]!.GetValue<string>();
        Assert.Contains($"{_db}.flags.flag", message, StringComparison.Ordinal);
        Assert.Contains("holds 5", message, StringComparison.Ordinal);
        // nothing was changed silently: the row is not on the destination
        await using var c = await OpenPgAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM \"{_db}\".flags WHERE id = 3", c);
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }

    private static async Task<JsonNode> WaitForAsync(Scenario scenario, string id, Func<JsonNode, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var p = await scenario.GetProjectAsync(id);
            if (done(p)) return p;
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out: {p.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    private Task AssertConvergesAsync(TimeSpan timeout) =>
        CrossEngineRows.AssertConvergesAsync(SourceRowsAsync, DestinationRowsAsync, Columns.Select(c => (c.Name, c.Norm)).ToArray(), timeout);

    private async Task<SortedDictionary<long, string?[]>> SourceRowsAsync()
    {
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbSource);
        await using (var set = new MySqlCommand("SET time_zone = '+00:00', NAMES utf8mb4", c)) await set.ExecuteNonQueryAsync();
        var select = string.Join(", ", Columns.Select(col => col.Source));
        await using var cmd = new MySqlCommand($"SELECT id, {select} FROM `{_db}`.types", c);
        return await CrossEngineRows.ReadAsync(cmd, Columns.Length);
    }

    private async Task<SortedDictionary<long, string?[]>> DestinationRowsAsync()
    {
        await using var c = await OpenPgAsync();
        var select = string.Join(", ", Columns.Select(col => $"\"{col.Name}\"::text"));
        await using var cmd = new NpgsqlCommand($"SELECT id::bigint, {select} FROM \"{_db}\".types", c);
        return await CrossEngineRows.ReadAsync(cmd, Columns.Length);
    }

    private async Task<Dictionary<string, string>> PgColumnTypesAsync()
    {
        await using var c = await OpenPgAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a " +
            "WHERE a.attrelid = ($1 || '.types')::regclass AND a.attnum > 0 AND NOT a.attisdropped", c);
        cmd.Parameters.AddWithValue("\"" + _db + "\"");
        var types = new Dictionary<string, string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) types[r.GetString(0)] = r.GetString(1);
        return types;
    }

    /// <summary>A session with settings of this test's own, so the destination's <c>::text</c> does not depend on the server's defaults.</summary>
    private static async Task<NpgsqlConnection> OpenPgAsync()
    {
        var b = new NpgsqlConnectionStringBuilder(TestServers.PgDest)
        {
            Options = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1 -c bytea_output=hex",
        };
        var c = new NpgsqlConnection(b.ConnectionString);
        await c.OpenAsync();
        return c;
    }

    private static async Task<string?> PgScalarAsync(string sql)
    {
        await using var c = await OpenPgAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        // NULL (an empty table between a TRUNCATE and the rows after it) reads as null, not a cast failure
        return await cmd.ExecuteScalarAsync() as string;
    }

    private static async Task PgExecAsync(string sql)
    {
        await using var c = await OpenPgAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
