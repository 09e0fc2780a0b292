using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.PostgreSql.Replication;
using Ferry.TestSupport;
using MySqlConnector;
using Npgsql;

namespace Ferry.Api.Tests;

/// <summary>
/// PostgreSQL → MariaDB through the REST API: a table of the mapped types with edge values goes through schema,
/// full copy, incremental and verify, and the destination is compared row by row and column by column with the
/// source. The source is read with <c>::text</c> in a session of fixed settings, the destination with explicit
/// SQL formatting in a UTC session, and both put in one form by this test's own per-type normalisation, so
/// nothing of Ferry's readers, value mapper or canonical forms is trusted here.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PostgreSqlToMariaDbEndToEndTests : IAsyncLifetime
{
    private readonly string _schema = TestServers.UniqueName("p2m").ToLowerInvariant();
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;
    private readonly List<string> _projects = [];


    /// <summary>Each column: how the destination reads it as text, and how both sides' text is put in one form.</summary>
    private static readonly (string Name, string Dest, Norm Norm)[] Columns =
    [
        ("i2", "CAST(i2 AS CHAR)", Norm.Exact), ("i4", "CAST(i4 AS CHAR)", Norm.Exact), ("i8", "CAST(i8 AS CHAR)", Norm.Exact),
        ("n52", "CAST(n52 AS CHAR)", Norm.Exact), ("n", "CAST(n AS CHAR)", Norm.Decimal),
        ("r", "CAST(CAST(r AS DOUBLE) AS CHAR)", Norm.Float4), ("d", "CAST(d AS CHAR)", Norm.Float8), ("b", "CAST(b AS CHAR)", Norm.Bool),
        ("c", "CAST(c AS CHAR)", Norm.Exact), ("vc", "CAST(vc AS CHAR)", Norm.Exact), ("t", "CAST(t AS CHAR)", Norm.Exact),
        ("by", "HEX(`by`)", Norm.Hex), ("dt", "DATE_FORMAT(dt, '%Y-%m-%d')", Norm.Exact),
        ("ts", "DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f')", Norm.Timestamp), ("tz", "DATE_FORMAT(tz, '%Y-%m-%d %H:%i:%s.%f')", Norm.Timestamp),
        ("tm", "CAST(tm AS CHAR)", Norm.Timestamp), ("iv", "CAST(iv AS CHAR)", Norm.Exact), ("u", "CAST(u AS CHAR)", Norm.Exact),
        ("j", "CAST(j AS CHAR)", Norm.Json), ("jb", "CAST(jb AS CHAR)", Norm.Json), ("ip", "CAST(ip AS CHAR)", Norm.Inet),
        ("arr", "CAST(arr AS CHAR)", Norm.IntArray), ("big", "MD5(big)", Norm.Exact),
    ];

    public async Task InitializeAsync()
    {
        await PgExecAsync($$"""
            CREATE SCHEMA "{{_schema}}";
            SET search_path = "{{_schema}}";
            CREATE TABLE types (
              id integer PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, n52 numeric(5,2), n numeric, r real, d double precision, b boolean,
              c char(5), vc varchar(40), t text, by bytea, dt date, ts timestamp(6), tz timestamptz(6), tm time(6), iv interval,
              u uuid, j json, jb jsonb, ip inet, arr integer[], big text
            );
            INSERT INTO types VALUES
              (1, -32768, -2147483648, -9223372036854775808, -999.99, '-12345678901234567890123456789012345.123456789012345678901234567890',
               '-3.4028235e38', '-1.7976931348623157e308', false, '', '', '', '\x00', '1000-01-01', '1000-01-01 00:00:00', '1970-01-01 00:00:00+00',
               '00:00:00', '-1 days +02:00:00', '00000000-0000-0000-0000-000000000000', '{}', '[]', '0.0.0.0', '{}', ''),
              (2, 32767, 2147483647, 9223372036854775807, 999.99, '0.000000000000000000000000000001', '3.4028235e38', '1.7976931348623157e308', true,
               'é😀', 'ü 😀 ñ 中文 ''q'' \ back', E'tab\there\nnewline \\ 😀', '\x00ff000000', '9999-12-30', '9999-12-31 23:59:59.999999',
               '9999-12-31 23:59:59.999999+00', '23:59:59.999999', '1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
               '{"b": [1, 2.5, "😀"], "a": null}', '{"z": {"k": [true, false]}, "a": 1.50}', '2001:db8::1/64', '{1,-2147483648,NULL,2147483647}',
               (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 3000) g)),
              (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (4, 0, 0, 0, 0.01, '1.5', '1.17549435e-38', '2.2250738585072014e-308', true, 'ab', 'trailing  ', '', '\x', '2024-02-29',
               '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456+09', '12:34:56.5', '00:00:00.000001', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
               '"scalar"', 'null', '192.168.1.0/24', ARRAY[[1,2],[3,4]], 'x'),
              (5, 5, 5, 5, -0.01, '-42', '0', '-0.5', false, 'x', 'x', 'x', '\x01', '1970-01-01', '1970-01-01 00:00:00', '2001-09-09 01:46:40.5+00',
               '00:00:01', '838:59:59', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '[1, "two"]', '{"n": 12345678901234567890}', '::1', '{5}', 'y');
            -- PostgreSQL text keys are distinct when they differ in case: a _ci collation would merge them
            CREATE TABLE keys (k text COLLATE "C" PRIMARY KEY, v int);
            INSERT INTO keys VALUES ('a', 1), ('A', 2), ('b', 3), ('B', 4), ('ä', 5), ('Ä', 6);
            """);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        // a test that failed before its release must not leave a slot keeping the shared source's WAL
        foreach (var name in _projects.Select(id => PgReplicationNames.For($"{id}/forward")))
        {
            for (var tries = 0; tries < 40 && (long)(await PgScalarAsync($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{name}' AND active"))! > 0; tries++)
                await Task.Delay(250);
            await PgExecAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{name}' AND NOT active; DROP PUBLICATION IF EXISTS \"{name}\"");
        }
        await PgExecAsync($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_schema}`");
    }

    private async Task<string> PgSourceAsync()
    {
        var b = new NpgsqlConnectionStringBuilder(TestServers.PgSource);
        var ds = await _api.PostOkAsync("/api/v1/datasources", new { name = "pg-source", type = "postgresql", host = b.Host, port = b.Port, user = b.Username, password = b.Password, database = b.Database });
        return ds["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_PostgreSql_table_of_mapped_types_moves_to_MariaDb_and_stays_equal_while_changes_stream()
    {
        var scenario = new Scenario(_api);
        var src = await PgSourceAsync();
        var dst = await scenario.CreateDataSourceAsync("maria-dest", TestServers.MariaDbDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("p2m", src, dst, _schema)))["id"]!.GetValue<string>();
        _projects.Add(id);
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var project = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        Assert.Equal(11, Scenario.Stage(project, "full")["migratedRows"]!.GetValue<long>());

        // the schema became a database of the same name, with the mapped types; text compares by code point
        var types = await MariaColumnsAsync("types");
        Assert.Equal("tinyint(1)", types["b"].Type);
        Assert.Equal("decimal(65,30)", types["n"].Type);
        Assert.Equal("decimal(5,2)", types["n52"].Type);
        Assert.Equal("datetime(6)", types["tz"].Type);
        Assert.Equal("longblob", types["by"].Type);
        Assert.Equal("char(36)", types["u"].Type);
        Assert.Equal("utf8mb4_bin", types["t"].Collation);
        Assert.Equal("utf8mb4_bin", (await MariaColumnsAsync("keys"))["k"].Collation);

        var events = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "warning").Select(e => e!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(events, m => m.Contains("types.n ", StringComparison.Ordinal) && m.Contains("DECIMAL(65,30)", StringComparison.Ordinal));
        Assert.Contains(events, m => m.Contains("types.tz ", StringComparison.Ordinal) && m.Contains("UTC", StringComparison.Ordinal));
        Assert.Contains(events, m => m.Contains("types.arr ", StringComparison.Ordinal) && m.Contains("JSON", StringComparison.Ordinal));

        await AssertConvergesAsync(TimeSpan.Zero);

        await PgExecAsync($$"""
            SET search_path = "{{_schema}}";
            INSERT INTO types (id, n, tz, vc, by, jb, arr, b, r) VALUES
              (6, '99999999999999999999999999999999999.999999999999999999999999999999', '2100-01-01 00:00:00.000001+05', 'streamed 😀', '\x00deadbeef00',
               '{"streamed": [true, null]}', '{7,NULL,8}', true, '-1.5');
            -- the TOASTed value is not touched: the change carries no value for it, and it must stay as it is
            UPDATE types SET vc = 'toast kept' WHERE id = 2;
            UPDATE types SET n = -n, tz = tz + interval '1 day', arr = arr || 99, b = NOT b WHERE id = 1;
            DELETE FROM types WHERE id = 4;
            UPDATE types SET id = 50, c = 'moved' WHERE id = 5;
            UPDATE keys SET v = 20 WHERE k = 'A';
            DELETE FROM keys WHERE k = 'b';
            """);
        await AssertConvergesAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("A=20,B=4,a=1,Ä=6,ä=5", await KeysAsync(TimeSpan.Zero, "A=20,B=4,a=1,Ä=6,ä=5"));

        var verified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed", TimeSpan.FromMinutes(2), "verify");
        if (Scenario.Stage(verified, "verify")["consistentTables"]!.GetValue<int>() != 2)
            Assert.Fail((await _api.GetOkAsync($"/api/v1/projects/{id}/verification")).ToJsonString() + "\n" +
                        (await _api.GetOkAsync($"/api/v1/projects/{id}/verification/{_schema}.types/diff")).ToJsonString());
        Assert.Equal(0, Scenario.Stage(verified, "verify")["inconsistentTables"]?.GetValue<int>() ?? 0);

        // TRUNCATE is applied across engines
        await PgExecAsync($"TRUNCATE \"{_schema}\".keys; INSERT INTO \"{_schema}\".keys VALUES ('z', 26), ('Z', 27);");
        Assert.Equal("Z=27,z=26", await KeysAsync(TimeSpan.FromSeconds(60), "Z=27,z=26"));

        var slot = PgReplicationNames.For($"{id}/forward");
        await _api.PostOkAsync($"/api/v1/projects/{id}/release");
        Assert.Equal(0L, await PgScalarAsync($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));
        Assert.Equal(0L, await PgScalarAsync($"SELECT count(*) FROM pg_publication WHERE pubname = '{slot}'"));
    }

    [Fact]
    public async Task An_infinity_timestamp_fails_the_project_naming_the_column()
    {
        await PgExecAsync($"""
            CREATE TABLE "{_schema}".stamps (id int PRIMARY KEY, at timestamp);
            INSERT INTO "{_schema}".stamps VALUES (1, '2024-01-01 00:00:00'), (2, 'infinity');
            """);
        var scenario = new Scenario(_api);
        var src = await PgSourceAsync();
        var dst = await scenario.CreateDataSourceAsync("maria-dest", TestServers.MariaDbDest);
        var body = new
        {
            name = "inf", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full" },
            objects = new { include = new[] { new { database = _schema, tables = new[] { "stamps" } } } },
        };
        var id = (await _api.PostOkAsync("/api/v1/projects", body))["id"]!.GetValue<string>();
        _projects.Add(id);
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        JsonNode p;
        while (Scenario.Status(p = await scenario.GetProjectAsync(id)) != "Failed")
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out: {p.ToJsonString()}");
            await Task.Delay(250);
        }
        var message = p["error"]!["message"]!.GetValue<string>();
        Assert.Contains($"{_schema}.stamps.at", message, StringComparison.Ordinal);
        Assert.Contains("infinity", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_numeric_beyond_DECIMAL_65_30_fails_the_writer_naming_the_column_and_nothing_is_rounded()
    {
        await PgExecAsync($"CREATE TABLE \"{_schema}\".amounts (id int PRIMARY KEY, n numeric); INSERT INTO \"{_schema}\".amounts VALUES (1, 1.25);");
        var scenario = new Scenario(_api);
        var src = await PgSourceAsync();
        var dst = await scenario.CreateDataSourceAsync("maria-dest", TestServers.MariaDbDest);
        var body = new
        {
            name = "amounts", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full", "incremental" },
            objects = new { include = new[] { new { database = _schema, tables = new[] { "amounts" } } } },
        };
        var id = (await _api.PostOkAsync("/api/v1/projects", body))["id"]!.GetValue<string>();
        _projects.Add(id);
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        await PgExecAsync($"INSERT INTO \"{_schema}\".amounts VALUES (2, 0.0000000000000000000000000000001)");
        var deadline = DateTime.UtcNow.AddMinutes(1);
        JsonNode p;
        while (Scenario.Status(p = await scenario.GetProjectAsync(id)) != "Failed")
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out: {p.ToJsonString()}");
            await Task.Delay(250);
        }
        var message = p["error"]!["message"]!.GetValue<string>();
        Assert.Contains($"{_schema}.amounts.n", message, StringComparison.Ordinal);
        Assert.Contains("0.0000000000000000000000000000001", message, StringComparison.Ordinal);
        await using (var c = await OpenMariaAsync())
        await using (var cmd = new MySqlCommand($"SELECT count(*) FROM `{_schema}`.amounts WHERE id = 2", c))
            Assert.Equal(0L, Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
        await _api.PostOkAsync($"/api/v1/projects/{id}/release");
        Assert.Equal(0L, await PgScalarAsync($"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{PgReplicationNames.For($"{id}/forward")}'"));
    }

    private async Task<string?> KeysAsync(TimeSpan timeout, string expected)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using var c = await OpenMariaAsync();
            await using var cmd = new MySqlCommand($"SELECT GROUP_CONCAT(CONCAT(k, '=', v) ORDER BY k SEPARATOR ',') FROM `{_schema}`.`keys`", c);
            var actual = Convert.ToString(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            if (actual == expected || DateTime.UtcNow > deadline) return actual;
            await Task.Delay(250);
        }
    }

    private Task AssertConvergesAsync(TimeSpan timeout) =>
        CrossEngineRows.AssertConvergesAsync(SourceRowsAsync, DestinationRowsAsync, Columns.Select(c => (c.Name, c.Norm)).ToArray(), timeout);

    private async Task<SortedDictionary<long, string?[]>> SourceRowsAsync()
    {
        await using var c = await OpenPgAsync(TestServers.PgSource);
        var select = string.Join(", ", Columns.Select(col => col.Name == "big" ? "md5(big)" : $"\"{col.Name}\"::text"));
        await using var cmd = new NpgsqlCommand($"SELECT id::bigint, {select} FROM \"{_schema}\".types", c);
        return await CrossEngineRows.ReadAsync(cmd, Columns.Length);
    }

    private async Task<SortedDictionary<long, string?[]>> DestinationRowsAsync()
    {
        await using var c = await OpenMariaAsync();
        await using var cmd = new MySqlCommand($"SELECT id, {string.Join(", ", Columns.Select(col => col.Dest))} FROM `{_schema}`.types", c);
        return await CrossEngineRows.ReadAsync(cmd, Columns.Length);
    }

    private async Task<Dictionary<string, (string Type, string? Collation)>> MariaColumnsAsync(string table)
    {
        await using var c = await OpenMariaAsync();
        await using var cmd = new MySqlCommand(
            "SELECT COLUMN_NAME, COLUMN_TYPE, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t", c);
        cmd.Parameters.AddWithValue("@d", _schema);
        cmd.Parameters.AddWithValue("@t", table);
        var result = new Dictionary<string, (string, string?)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) result[r.GetString(0)] = (r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2));
        return result;
    }

    /// <summary>A UTC session of this test's own: the destination server's default zone is −05:00.</summary>
    private static async Task<MySqlConnection> OpenMariaAsync()
    {
        var c = await TestServers.OpenAsync(TestServers.MariaDbDest);
        await using var set = new MySqlCommand("SET time_zone = '+00:00', NAMES utf8mb4", c);
        await set.ExecuteNonQueryAsync();
        return c;
    }

    /// <summary>Fixed settings, so <c>::text</c> does not depend on the source server's own (Tokyo, SQL/DMY, verbose intervals).</summary>
    private static async Task<NpgsqlConnection> OpenPgAsync(string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs)
        {
            Options = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex",
        };
        var c = new NpgsqlConnection(b.ConnectionString);
        await c.OpenAsync();
        return c;
    }

    private static async Task<object?> PgScalarAsync(string sql)
    {
        await using var c = await OpenPgAsync(TestServers.PgSource);
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }

    private static async Task PgExecAsync(string sql)
    {
        await using var c = await OpenPgAsync(TestServers.PgSource);
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
