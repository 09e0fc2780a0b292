using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.PostgreSql.Replication;
using Ferry.TestSupport;
using MySqlConnector;
using Npgsql;

namespace Ferry.Api.Tests;

/// <summary>
/// Column changes on a PostgreSQL source while incremental runs (pgoutput relation messages): an added column with a
/// default, a dropped column and widening type changes are followed on a PostgreSQL and on a MariaDB destination,
/// with inserts and updates before and after each, compared row by row; a pause and resume with a change made while
/// paused restarts from the checkpoint; a rename (which the log cannot tell from a drop plus an add) stops the writer
/// by name.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PostgreSqlColumnChangeEndToEndTests : IAsyncLifetime
{
    private readonly string _schema = TestServers.UniqueName("pgcdc_cols").ToLowerInvariant();
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;
    private readonly List<string> _projects = [];

    public async Task InitializeAsync()
    {
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            CREATE SCHEMA "{_schema}";
            SET search_path = "{_schema}";
            CREATE TABLE items (id integer PRIMARY KEY, a integer, v varchar(10), x text);
            INSERT INTO items SELECT g, g * 10, 'v' || g, 'x' || g FROM generate_series(1, 200) g;
            """);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        foreach (var name in _projects.Select(id => PgReplicationNames.For($"{id}/forward")))
        {
            for (var tries = 0; tries < 40 && (long)(await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{name}' AND active"))! > 0; tries++)
                await Task.Delay(250);
            await PgSql.ExecAsync(TestServers.PgSource, $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{name}' AND NOT active; DROP PUBLICATION IF EXISTS \"{name}\"");
        }
        await PgSql.ExecAsync(TestServers.PgSource, $"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await PgSql.ExecAsync(TestServers.PgDest, $"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_schema}`");
    }

    private async Task<string> PgDataSourceAsync(string name, string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        var ds = await _api.PostOkAsync("/api/v1/datasources", new { name, type = "postgresql", host = b.Host, port = b.Port, user = b.Username, password = b.Password, database = b.Database });
        return ds["id"]!.GetValue<string>();
    }

    private async Task<string> StartAsync(string dst)
    {
        var scenario = new Scenario(_api);
        var src = await PgDataSourceAsync("pg-source", TestServers.PgSource);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("pgcdc-cols", src, dst, _schema, ["schema", "full", "incremental"])))["id"]!.GetValue<string>();
        _projects.Add(id);
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        return id;
    }

    /// <summary>Each step: DML before a column change, the change, DML after it (in the same and in later transactions).</summary>
    private Task ChangeColumnsAsync() => PgSql.ExecAsync(TestServers.PgSource, $"""
        SET search_path = "{_schema}";
        UPDATE items SET a = a + 1 WHERE id <= 20;
        INSERT INTO items VALUES (1001, 1, 'before add', 'x');
        ALTER TABLE items ADD COLUMN c integer NOT NULL DEFAULT 7;
        INSERT INTO items VALUES (1002, 2, 'after add', 'x', 8);
        UPDATE items SET c = 9, v = 'upd' WHERE id BETWEEN 30 AND 40;
        UPDATE items SET a = -a WHERE id BETWEEN 41 AND 45;
        ALTER TABLE items DROP COLUMN x;
        INSERT INTO items VALUES (1003, 3, 'after drop', 10);
        UPDATE items SET a = 0 WHERE id BETWEEN 50 AND 55;
        DELETE FROM items WHERE id BETWEEN 60 AND 62;
        BEGIN;
        ALTER TABLE items ALTER COLUMN a TYPE bigint, ALTER COLUMN v TYPE text;
        INSERT INTO items VALUES (1004, 9000000000, repeat('long text ', 20), 11);
        COMMIT;
        UPDATE items SET a = 5000000000 + id, v = v || ' now longer than ten' WHERE id BETWEEN 70 AND 80;
        -- rows of the table before and after its change in one transaction
        BEGIN;
        UPDATE items SET a = a + 1000 WHERE id BETWEEN 100 AND 105;
        ALTER TABLE items ADD COLUMN e text DEFAULT 'e';
        UPDATE items SET e = 'mixed ' || id WHERE id BETWEEN 103 AND 110;
        COMMIT;
        """);

    /// <summary>Made while the project is paused: the writer resumes from its checkpoint and meets the change first.</summary>
    private Task ChangeWhilePausedAsync() => PgSql.ExecAsync(TestServers.PgSource, $"""
        SET search_path = "{_schema}";
        UPDATE items SET c = 100 WHERE id BETWEEN 90 AND 95;
        ALTER TABLE items ADD COLUMN d numeric(10,2) DEFAULT 1.25;
        INSERT INTO items VALUES (1005, 5, 'paused', 12, 3.50);
        UPDATE items SET d = 2.5 WHERE id BETWEEN 96 AND 99;
        """);

    private Task RenameAsync() => PgSql.ExecAsync(TestServers.PgSource, $"""
        SET search_path = "{_schema}";
        ALTER TABLE items RENAME COLUMN v TO w;
        UPDATE items SET w = 'renamed' WHERE id = 1;
        """);

    [Fact]
    public async Task Column_changes_on_a_PostgreSql_source_are_followed_on_a_PostgreSql_destination()
    {
        var dst = await PgDataSourceAsync("pg-dest", TestServers.PgDest);
        var id = await StartAsync(dst);
        await AssertPgConvergesAsync(TimeSpan.Zero);

        await ChangeColumnsAsync();
        await AssertPgConvergesAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("bigint", await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '\"{_schema}\".items'::regclass AND attname = 'a'"));
        Assert.Equal("text", await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '\"{_schema}\".items'::regclass AND attname = 'v'"));
        Assert.Equal(0L, await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT count(*) FROM pg_attribute WHERE attrelid = '\"{_schema}\".items'::regclass AND attname = 'x' AND NOT attisdropped"));

        await _api.PostOkAsync($"/api/v1/projects/{id}/pause");
        await ChangeWhilePausedAsync();
        await _api.PostOkAsync($"/api/v1/projects/{id}/resume");
        await AssertPgConvergesAsync(TimeSpan.FromSeconds(60));

        await RenameAsync();
        var failed = await WaitForFailureAsync(id);
        Assert.Contains("rename", failed["error"]!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("items", failed["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Column_changes_on_a_PostgreSql_source_are_followed_on_a_MariaDb_destination()
    {
        var dst = await new Scenario(_api).CreateDataSourceAsync("maria-dest", TestServers.MariaDbDest);
        var id = await StartAsync(dst);
        await AssertMariaConvergesAsync(["a", "v", "x"], TimeSpan.Zero);

        await ChangeColumnsAsync();
        await AssertMariaConvergesAsync(["a", "v", "c", "e"], TimeSpan.FromSeconds(60));
        var types = await MariaColumnsAsync();
        Assert.Equal(["id", "a", "v", "c", "e"], types.Keys);
        Assert.Equal("bigint(20)", types["a"]);
        Assert.Equal("longtext", types["v"]);
        Assert.Equal("int(11)", types["c"]);

        await _api.PostOkAsync($"/api/v1/projects/{id}/pause");
        await ChangeWhilePausedAsync();
        await _api.PostOkAsync($"/api/v1/projects/{id}/resume");
        await AssertMariaConvergesAsync(["a", "v", "c", "e", "d"], TimeSpan.FromSeconds(60));
        Assert.Equal("decimal(10,2)", (await MariaColumnsAsync())["d"]);

        await RenameAsync();
        var failed = await WaitForFailureAsync(id);
        Assert.Contains("rename", failed["error"]!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_column_change_on_a_table_migrated_with_a_column_subset_stops_the_writer_with_the_reason()
    {
        var src = await PgDataSourceAsync("pg-source", TestServers.PgSource);
        var dst = await PgDataSourceAsync("pg-dest", TestServers.PgDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", new
        {
            name = "pgcdc-subset", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full", "incremental" },
            objects = new
            {
                include = new[] { new { database = _schema, tables = new[] { "items" } } },
                columns = new Dictionary<string, string[]> { [$"{_schema}.items"] = ["id", "a"] },
            },
            options = new { latencyThresholdSeconds = 5 },
        }))["id"]!.GetValue<string>();
        _projects.Add(id);
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await new Scenario(_api).WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_schema}";
            UPDATE items SET a = 1 WHERE id = 1;
            ALTER TABLE items ADD COLUMN c integer;
            UPDATE items SET a = 2 WHERE id = 2;
            """);
        var failed = await WaitForFailureAsync(id);
        Assert.Contains("column subset", failed["error"]!["message"]!.GetValue<string>());
        // everything before the change was applied
        Assert.Equal(1L, await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT a::int8 FROM \"{_schema}\".items WHERE id = 1"));
        Assert.Equal(20L, await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT a::int8 FROM \"{_schema}\".items WHERE id = 2"));
    }

    private Task ExtremesAsync(bool infinity) => PgSql.ExecAsync(TestServers.PgSource, $"""
        SET search_path = "{_schema}";
        CREATE TABLE extremes (id integer PRIMARY KEY, d date, ts timestamp, tz timestamptz);
        INSERT INTO extremes VALUES (1, '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00'),
                                    (2, '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00');
        {(infinity ? "INSERT INTO extremes VALUES (3, 'infinity', 'infinity', 'infinity'), (4, '-infinity', '-infinity', '-infinity');" : "")}
        """);

    [Fact]
    public async Task Infinity_and_the_real_dates_0001_01_01_and_9999_12_31_stay_apart_on_a_PostgreSql_destination()
    {
        await ExtremesAsync(infinity: true);
        var dst = await PgDataSourceAsync("pg-dest", TestServers.PgDest);
        await StartAsync(dst);
        await AssertPgRowsAsync("extremes", TimeSpan.Zero);
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_schema}";
            INSERT INTO extremes SELECT id + 10, d, ts, tz FROM extremes;
            UPDATE extremes SET d = 'infinity', ts = '0001-01-01 00:00:00' WHERE id = 1;
            UPDATE extremes SET d = '0001-01-01', tz = '-infinity' WHERE id = 4;
            """);
        await AssertPgRowsAsync("extremes", TimeSpan.FromSeconds(60));
        Assert.Equal(2L, await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT count(*) FROM \"{_schema}\".extremes WHERE d = '9999-12-31' AND ts = '9999-12-31 23:59:59.999999'"));
        Assert.Equal(2L, await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT count(*) FROM \"{_schema}\".extremes WHERE d = 'infinity'::date AND ts = 'infinity'"));
    }

    [Fact]
    public async Task The_real_dates_0001_01_01_and_9999_12_31_reach_MariaDb_and_infinity_is_refused_by_name()
    {
        await ExtremesAsync(infinity: false);
        var dst = await new Scenario(_api).CreateDataSourceAsync("maria-dest", TestServers.MariaDbDest);
        var id = await StartAsync(dst);
        await PgSql.ExecAsync(TestServers.PgSource, $"INSERT INTO \"{_schema}\".extremes VALUES (5, '9999-12-31', '0001-01-01 00:00:00', '9999-12-31 23:59:59.999999+00')");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> rows;
        string[] expected =
        [
            "1|0001-01-01|0001-01-01 00:00:00.000000|0001-01-01 00:00:00.000000",
            "2|9999-12-31|9999-12-31 23:59:59.999999|9999-12-31 23:59:59.999999",
            "5|9999-12-31|0001-01-01 00:00:00.000000|9999-12-31 23:59:59.999999",
        ];
        while (true)
        {
            rows = [];
            await using (var m = await TestServers.OpenAsync(TestServers.MariaDbDest))
            {
                await using var cmd = new MySqlCommand(
                    $"SELECT CONCAT_WS('|', id, DATE_FORMAT(d, '%Y-%m-%d'), DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f'), DATE_FORMAT(tz, '%Y-%m-%d %H:%i:%s.%f')) FROM `{_schema}`.extremes ORDER BY id", m);
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync()) rows.Add(r.GetString(0));
            }
            if (rows.SequenceEqual(expected) || DateTime.UtcNow > deadline) break;
            await Task.Delay(250);
        }
        Assert.Equal(expected, rows);

        await PgSql.ExecAsync(TestServers.PgSource, $"INSERT INTO \"{_schema}\".extremes VALUES (6, '2024-01-01', 'infinity', NULL)");
        var failed = await WaitForFailureAsync(id);
        var message = failed["error"]!["message"]!.GetValue<string>();
        Assert.Contains("extremes.ts", message);
        Assert.Contains("infinity", message);
    }

    private async Task AssertPgRowsAsync(string table, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var expected = await PgSql.RowsAsync(TestServers.PgSource, _schema, table, "id");
            var actual = await PgSql.RowsAsync(TestServers.PgDest, _schema, table, "id");
            if (expected.SequenceEqual(actual)) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{table}: source {expected.Count} rows, destination {actual.Count}; first difference: " +
                            $"{expected.Except(actual).FirstOrDefault()} / {actual.Except(expected).FirstOrDefault()}\n{Failure()}");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task A_keyless_table_is_copied_but_never_published_so_the_sources_own_updates_and_deletes_keep_working()
    {
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_schema}";
            CREATE TABLE nokey (a integer, b text);
            INSERT INTO nokey SELECT g, 'b' || g FROM generate_series(1, 50) g;
            """);
        var dst = await PgDataSourceAsync("pg-dest", TestServers.PgDest);
        var id = await StartAsync(dst);
        var publication = PgReplicationNames.For($"{id}/forward");
        Assert.Equal(0L, await PgSql.ScalarAsync(TestServers.PgSource,
            $"SELECT count(*) FROM pg_publication_tables WHERE pubname = '{publication}' AND schemaname = '{_schema}' AND tablename = 'nokey'"));
        Assert.Equal(1L, await PgSql.ScalarAsync(TestServers.PgSource,
            $"SELECT count(*) FROM pg_publication_tables WHERE pubname = '{publication}' AND schemaname = '{_schema}' AND tablename = 'items'"));
        // PostgreSQL refuses UPDATE and DELETE on a published table without a replica identity: these must succeed
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_schema}";
            UPDATE nokey SET b = 'changed' WHERE a <= 10;
            DELETE FROM nokey WHERE a > 40;
            UPDATE items SET a = -1 WHERE id = 1;
            """);
        Assert.Equal(50L, await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT count(*) FROM \"{_schema}\".nokey"));
        var warnings = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray()
            .Select(e => e!["message"]!.GetValue<string>()).Where(m => m.Contains("nokey", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(warnings);
        await AssertPgConvergesAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_project_is_refused_with_the_tables_whose_replica_identity_would_break_the_stream_named()
    {
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_schema}";
            CREATE TABLE nothing (id integer PRIMARY KEY, v text);
            ALTER TABLE nothing REPLICA IDENTITY NOTHING;
            CREATE TABLE uniq (id integer NOT NULL UNIQUE, v text);
            CREATE TABLE byindex (id integer PRIMARY KEY, u integer NOT NULL);
            CREATE UNIQUE INDEX byindex_u ON byindex (u);
            ALTER TABLE byindex REPLICA IDENTITY USING INDEX byindex_u;
            CREATE TABLE nokey (a integer);
            """);
        var src = await PgDataSourceAsync("pg-source", TestServers.PgSource);
        var dst = await PgDataSourceAsync("pg-dest", TestServers.PgDest);
        var (status, body) = await _api.SendAsync(HttpMethod.Post, "/api/v1/projects", Scenario.MigrationBody("pgcdc-ri", src, dst, _schema, ["schema", "full", "incremental"]));
        Assert.Equal(422, status);
        Assert.Equal("datasource.replica-identity", body!["code"]!.GetValue<string>());
        var problems = body["errors"]!["objects"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains(".nothing has REPLICA IDENTITY NOTHING", StringComparison.Ordinal) && p.Contains("REPLICA IDENTITY FULL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(".uniq has REPLICA IDENTITY DEFAULT but no primary key", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(".byindex has REPLICA IDENTITY USING INDEX over (u)", StringComparison.Ordinal));
        Assert.Empty((await _api.GetOkAsync("/api/v1/projects"))["items"]!.AsArray());

        // copy-only projects do not publish anything: they are not refused
        var (copyOnly, _) = await _api.SendAsync(HttpMethod.Post, "/api/v1/projects", Scenario.MigrationBody("pgcdc-ri-copy", src, dst, _schema, ["schema", "full"]));
        Assert.Equal(201, copyOnly);
    }

    private async Task AssertPgConvergesAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var expected = await PgSql.RowsAsync(TestServers.PgSource, _schema, "items", "id");
            var actual = await PgSql.RowsAsync(TestServers.PgDest, _schema, "items", "id");
            if (expected.SequenceEqual(actual)) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"items: source {expected.Count} rows, destination {actual.Count}; first difference: " +
                            $"{expected.Except(actual).FirstOrDefault()} / {actual.Except(expected).FirstOrDefault()}\n{Failure()}");
            await Task.Delay(250);
        }
    }

    /// <summary>Both sides as text in this test's own SQL: the source's <c>::text</c>, the destination's CAST AS CHAR.</summary>
    private async Task AssertMariaConvergesAsync(string[] columns, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var expected = new List<string>();
            await using (var c = new NpgsqlConnection(TestServers.PgSource))
            {
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand($"SELECT id::text || '|' || {string.Join(" || '|' || ", columns.Select(x => $"coalesce(\"{x}\"::text, '∅')"))} FROM \"{_schema}\".items ORDER BY id", c);
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync()) expected.Add(r.GetString(0));
            }
            var actual = new List<string>();
            try
            {
                await using var m = await TestServers.OpenAsync(TestServers.MariaDbDest);
                await using var cmd = new MySqlCommand($"SELECT CONCAT_WS('|', CAST(id AS CHAR), {string.Join(", ", columns.Select(x => $"COALESCE(CAST(`{x}` AS CHAR), '∅')"))}) FROM `{_schema}`.items ORDER BY id", m);
                await using var r = await cmd.ExecuteReaderAsync();
                while (await r.ReadAsync()) actual.Add(r.GetString(0));
            }
            catch (MySqlException) when (DateTime.UtcNow <= deadline) { actual.Clear(); } // a column not there yet
            if (expected.SequenceEqual(actual)) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"items: source {expected.Count} rows, destination {actual.Count}; first difference: " +
                            $"{expected.Except(actual).FirstOrDefault()} / {actual.Except(expected).FirstOrDefault()}\n{Failure()}");
            await Task.Delay(250);
        }
    }

    private string Failure()
    {
        var log = _node.Log;
        var at = log.IndexOf("failed", StringComparison.Ordinal);
        return at < 0 ? "" : log[at..Math.Min(log.Length, at + 1500)];
    }

    private async Task<Dictionary<string, string>> MariaColumnsAsync()
    {
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbDest);
        await using var cmd = new MySqlCommand(
            "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = 'items' ORDER BY ORDINAL_POSITION", c);
        cmd.Parameters.AddWithValue("@d", _schema);
        var result = new Dictionary<string, string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) result[r.GetString(0)] = r.GetString(1);
        return result;
    }

    private async Task<JsonNode> WaitForFailureAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var p = await _api.GetOkAsync($"/api/v1/projects/{id}");
            if (Scenario.Status(p) == "Failed") return p;
            Assert.True(DateTime.UtcNow < deadline, $"the writer never stopped: {p.ToJsonString()}");
            await Task.Delay(200);
        }
    }
}
