using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.PostgreSql.Replication;
using Ferry.TestSupport;
using MySqlConnector;
using Npgsql;

namespace Ferry.Api.Tests;

/// <summary>
/// Forward switchover through the REST API on the real servers: writes during incremental, the operator's
/// confirmation, the sync wait reaching the last source write, the stream stopped (PostgreSQL: slot and publication
/// dropped), the held-back foreign keys added and enforced, and the destination numbering new rows on from the
/// source's AUTO_INCREMENT counter or sequence; bad calls answered with problem details.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class SwitchoverEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("switchover").ToLowerInvariant();
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    public async Task InitializeAsync()
    {
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
        await PgSql.ExecAsync(TestServers.PgSource, $"DROP SCHEMA IF EXISTS \"{_db}\" CASCADE");
        await PgSql.ExecAsync(TestServers.PgDest, $"DROP SCHEMA IF EXISTS \"{_db}\" CASCADE");
    }

    [Fact]
    public async Task MariaDb_switchover_waits_for_the_last_write_adds_foreign_keys_and_continues_AUTO_INCREMENT()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE parent (id int AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL DEFAULT 'unnamed');
            CREATE TABLE child (id bigint AUTO_INCREMENT PRIMARY KEY, parent_id int NOT NULL, qty int NOT NULL,
              CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id), CONSTRAINT qty_positive CHECK (qty >= 0));
            INSERT INTO parent (name) VALUES ('a'), ('b'), ('c');
            INSERT INTO child (parent_id, qty) VALUES (1, 1), (2, 2), (3, 3);
            """, _db);
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("maria-source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("maria-dest", TestServers.MariaDbDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("switchover-maria", src, dst, _db, ["schema", "full", "incremental"])))["id"]!.GetValue<string>();

        // Not streaming yet: switchover is refused, naming why.
        var early = await _api.PostAsync($"/api/v1/projects/{id}/switchover");
        Assert.Equal(409, early.Status);
        Assert.Contains("incremental", early.Body!["detail"]!.GetValue<string>());

        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");
        Assert.Equal("Pending", SchemaObject(await _api.GetOkAsync($"/api/v1/projects/{id}/schema"), $"{_db}.child.fk_child_parent")["status"]!.GetValue<string>());

        // Writes during incremental, with ids used and given back, so the source's counter is past its highest id.
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            INSERT INTO parent (name) VALUES ('d'), ('e'), ('f'), ('g'), ('h');
            DELETE FROM parent WHERE name IN ('g', 'h');
            INSERT INTO child (parent_id, qty) VALUES (4, 4), (5, 5);
            UPDATE child SET qty = qty + 10 WHERE parent_id = 1;
            """, _db);

        var (confirmEarly, confirmEarlyBody) = await _api.PostAsync($"/api/v1/projects/{id}/switchover/steps/confirmSourceWritesStopped/confirm");
        Assert.Equal(409, confirmEarly);
        Assert.Equal("switchover.not-started", confirmEarlyBody!["code"]!.GetValue<string>());

        var (started, startedBody) = await _api.PostAsync($"/api/v1/projects/{id}/switchover");
        Assert.True(started == 202, $"{started}: {startedBody?.ToJsonString()}");
        var twice = await _api.PostAsync($"/api/v1/projects/{id}/switchover");
        Assert.Equal(409, twice.Status);
        Assert.Contains("already started", twice.Body!["detail"]!.GetValue<string>());

        var waiting = await WaitStepAsync(id, "confirmSourceWritesStopped", "Running");
        Assert.Equal("Completed", Step(waiting, "precheck")["status"]!.GetValue<string>());
        Assert.Equal("Skipped", Step(waiting, "startDestinationStore")["status"]!.GetValue<string>());
        Assert.Contains("reverse", Step(waiting, "startDestinationStore")["detail"]!.GetValue<string>());
        Assert.Equal("Running", Scenario.Status(await scenario.GetProjectAsync(id)));

        // Bad calls: a step that is not waiting, an unknown step, skipping the sync wait without force.
        var notWaiting = await _api.PostAsync($"/api/v1/projects/{id}/switchover/steps/confirmSyncComplete/confirm");
        Assert.Equal(409, notWaiting.Status);
        Assert.Contains("not waiting", notWaiting.Body!["detail"]!.GetValue<string>());
        var unknown = await _api.PostAsync($"/api/v1/projects/{id}/switchover/steps/flipTheSwitch/confirm");
        Assert.Equal(404, unknown.Status);
        Assert.Contains("flipTheSwitch", unknown.Body!["detail"]!.GetValue<string>());
        var unknownAction = await _api.PostAsync($"/api/v1/projects/{id}/switchover/steps/precheck/undo");
        Assert.Equal(404, unknownAction.Status);
        var skipWrites = await _api.PostAsync($"/api/v1/projects/{id}/switchover/steps/confirmSourceWritesStopped/skip");
        Assert.Equal(409, skipWrites.Status);

        // A node crash mid-switchover: the steps are in the project's state, so it goes on where it was.
        _node.Kill();
        await _node.StartAsync();
        var afterRestart = await WaitStepAsync(id, "confirmSourceWritesStopped", "Running");
        Assert.Equal("Completed", Step(afterRestart, "precheck")["status"]!.GetValue<string>());

        // A row only the destination has breaks the foreign key: processObjects fails naming it, and is retried once it is gone.
        await TestServers.ExecAsync(TestServers.MariaDbDest, "INSERT INTO child (id, parent_id, qty) VALUES (777777, 777777, 1)", _db);
        // The writer is held up on the destination (a table lock), so the sync wait has to wait for it.
        await using var locker = await TestServers.OpenAsync(TestServers.MariaDbDest, _db);
        await using (var lockCmd = new MySqlCommand("LOCK TABLES child WRITE", locker)) await lockCmd.ExecuteNonQueryAsync();

        // The application's last write, right before the operator confirms: the sync wait must cover it.
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            INSERT INTO parent (name) VALUES ('last'); INSERT INTO child (parent_id, qty) VALUES (LAST_INSERT_ID(), 99);
            INSERT INTO parent (name) VALUES ('gone'), ('gone'); DELETE FROM parent WHERE name = 'gone';
            """, _db);
        await _api.PostOkAsync($"/api/v1/projects/{id}/switchover/steps/confirmSourceWritesStopped/confirm");
        var syncing = await WaitStepAsync(id, "confirmSyncComplete", "Running");
        await Task.Delay(TimeSpan.FromSeconds(2));
        syncing = await _api.GetOkAsync($"/api/v1/projects/{id}/switchover");
        Assert.Equal("Running", Step(syncing, "confirmSyncComplete")["status"]!.GetValue<string>());
        Assert.Contains("waiting for the writer", Step(syncing, "confirmSyncComplete")["detail"]!.GetValue<string>());
        await using (var probe = new MySqlCommand("SELECT COUNT(*) FROM child WHERE qty = 99", locker))
            Assert.Equal(0L, Convert.ToInt64(await probe.ExecuteScalarAsync()));
        var unforced = await _api.PostAsync($"/api/v1/projects/{id}/switchover/steps/confirmSyncComplete/skip");
        Assert.Equal(422, unforced.Status);
        Assert.NotNull(unforced.Body!["errors"]!["force"]);
        await using (var unlock = new MySqlCommand("UNLOCK TABLES", locker)) await unlock.ExecuteNonQueryAsync();
        var failed = await WaitStepAsync(id, "processObjects", "Failed");
        Assert.Contains("fk_child_parent", Step(failed, "processObjects")["detail"]!.GetValue<string>());
        Assert.Equal("Running", Scenario.Status(await scenario.GetProjectAsync(id)));
        Assert.Equal(409, (await _api.PostAsync($"/api/v1/projects/{id}/switchover/steps/precheck/retry")).Status);
        await TestServers.ExecAsync(TestServers.MariaDbDest, "DELETE FROM child WHERE id = 777777", _db);
        await _api.PostOkAsync($"/api/v1/projects/{id}/switchover/steps/processObjects/retry");
        var done = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(1), "switchover");
        Assert.Equal("Completed", Scenario.Status(Scenario.Stage(done, "incremental")));
        var steps = await _api.GetOkAsync($"/api/v1/projects/{id}/switchover");
        foreach (var (name, status) in new[] { ("confirmSyncComplete", "Completed"), ("stopForwardSync", "Completed"), ("processObjects", "Completed"), ("startReverse", "Skipped") })
            Assert.True(Step(steps, name)["status"]!.GetValue<string>() == status, steps.ToJsonString());
        Assert.Contains("at or past", Step(steps, "confirmSyncComplete")["detail"]!.GetValue<string>());

        foreach (var table in new[] { "parent", "child" })
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, table);
        var events = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray();
        var confirmed = events.Single(e => e!["type"]!.GetValue<string>() == "switchover-confirmed")!;
        Assert.False(string.IsNullOrEmpty(confirmed["who"]?.GetValue<string>()), confirmed.ToJsonString());

        // The foreign key and the CHECK are on the destination now, and enforced.
        var schema = await _api.GetOkAsync($"/api/v1/projects/{id}/schema");
        Assert.Equal("Completed", SchemaObject(schema, $"{_db}.child.fk_child_parent")["status"]!.GetValue<string>());
        var fk = await Assert.ThrowsAsync<MySqlException>(() => TestServers.ExecAsync(TestServers.MariaDbDest, "INSERT INTO child (parent_id, qty) VALUES (424242, 1)", _db));
        Assert.Equal(MySqlErrorCode.NoReferencedRow2, fk.ErrorCode);
        await Assert.ThrowsAsync<MySqlException>(() => TestServers.ExecAsync(TestServers.MariaDbDest, "INSERT INTO child (parent_id, qty) VALUES (1, -1)", _db));

        // New rows on the destination continue after the source's counter, not after the destination's highest id.
        var sourceNext = Convert.ToInt64(await MyScalarAsync(TestServers.MariaDbSource,
            $"SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{_db}' AND TABLE_NAME = 'parent'"));
        var destMax = Convert.ToInt64(await MyScalarAsync(TestServers.MariaDbDest, $"SELECT MAX(id) FROM `{_db}`.parent"));
        Assert.True(sourceNext > destMax + 1, $"the test needs a gap: source next {sourceNext}, destination max {destMax}");
        var newId = Convert.ToInt64(await MyScalarAsync(TestServers.MariaDbDest, $"INSERT INTO `{_db}`.parent (name) VALUES ('after'); SELECT LAST_INSERT_ID()"));
        Assert.Equal(sourceNext, newId);

        await _api.PostOkAsync($"/api/v1/projects/{id}/release");
        Assert.Equal("Released", Scenario.Status(await scenario.GetProjectAsync(id)));
    }

    [Fact]
    public async Task PostgreSql_switchover_drops_the_slot_adds_foreign_keys_and_sets_sequences()
    {
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            CREATE SCHEMA "{_db}";
            SET search_path = "{_db}";
            CREATE TABLE parent (id bigserial PRIMARY KEY, name text NOT NULL DEFAULT 'unnamed', created date DEFAULT CURRENT_DATE);
            CREATE TABLE child (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parent (id), qty int NOT NULL);
            INSERT INTO parent (name) VALUES ('a'), ('b'), ('c');
            INSERT INTO child (parent_id, qty) VALUES (1, 1), (2, 2), (3, 3);
            """);
        var src = await PgDataSourceAsync("pg-source", TestServers.PgSource);
        var dst = await PgDataSourceAsync("pg-dest", TestServers.PgDest);
        var scenario = new Scenario(_api);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("switchover-pg", src, dst, _db, ["schema", "full", "incremental"])))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");

        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_db}";
            INSERT INTO parent (name) VALUES ('d'), ('e');
            SELECT nextval('parent_id_seq') FROM generate_series(1, 5); -- used and never inserted
            INSERT INTO child (parent_id, qty) VALUES (4, 4), (5, 5);
            UPDATE child SET qty = qty + 10 WHERE parent_id = 1;
            """);
        await _api.PostOkAsync($"/api/v1/projects/{id}/switchover");
        await WaitStepAsync(id, "confirmSourceWritesStopped", "Running");
        await PgSql.ExecAsync(TestServers.PgSource, $"SET search_path = \"{_db}\"; INSERT INTO parent (name) VALUES ('last'); INSERT INTO child (parent_id, qty) VALUES (currval('parent_id_seq'), 99);");
        await _api.PostOkAsync($"/api/v1/projects/{id}/switchover/steps/confirmSourceWritesStopped/confirm");
        await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(1), "switchover");

        var pgSteps = (await _api.GetOkAsync($"/api/v1/projects/{id}/switchover")).ToJsonString();
        foreach (var table in new[] { "parent", "child" })
        {
            var expected = await PgSql.RowsAsync(TestServers.PgSource, _db, table, "id");
            var actual = await PgSql.RowsAsync(TestServers.PgDest, _db, table, "id");
            Assert.True(expected.SequenceEqual(actual), $"{table}: {string.Join("; ", expected.Except(actual))} / {string.Join("; ", actual.Except(expected))}\n{pgSteps}\n{string.Join("\n", _node.Log.Split('\n').Where(l => l.Contains("rror") || l.Contains("warn") || l.Contains("fail")).TakeLast(15))}");
        }
        // The stream is gone from the source before release.
        var slot = PgReplicationNames.For($"{id}/forward");
        Assert.Equal(0L, await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));
        Assert.Equal(0L, await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_publication WHERE pubname = '{slot}'"));

        // PostgreSQL's constraints are read by the schema-objects work (branch schemaobj); whatever it holds back is added here.
        var held = (await _api.GetOkAsync($"/api/v1/projects/{id}/schema")).AsArray()
            .Where(o => o!["kind"]!.GetValue<string>() is "foreignKey" or "check").ToList();
        Assert.All(held, o => Assert.Equal("Completed", o!["status"]!.GetValue<string>()));
        if (held.Count > 0)
        {
            var fk = await Assert.ThrowsAsync<PostgresException>(() => PgSql.ExecAsync(TestServers.PgDest,
                // the id is given so the refused row does not use up a number of the identity checked below
                $"INSERT INTO \"{_db}\".child (id, parent_id, qty) OVERRIDING SYSTEM VALUE VALUES (424242, 424242, 1)"));
            Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, fk.SqlState);
        }

        // Both numberings continue where the source's stand; the identity column is ALWAYS again; defaults came along.
        var sourceParentNext = (long)(await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT last_value + 1 FROM \"{_db}\".parent_id_seq"))!;
        var sourceChildNext = Convert.ToInt64(await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT max(id) + 1 FROM \"{_db}\".child"));
        var parentId = (long)(await PgSql.ScalarAsync(TestServers.PgDest, $"INSERT INTO \"{_db}\".parent DEFAULT VALUES RETURNING id"))!;
        Assert.Equal(sourceParentNext, parentId);
        Assert.Equal("unnamed", await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT name FROM \"{_db}\".parent WHERE id = {parentId}"));
        var childId = (int)(await PgSql.ScalarAsync(TestServers.PgDest, $"INSERT INTO \"{_db}\".child (parent_id, qty) VALUES (1, 7) RETURNING id"))!;
        Assert.Equal(sourceChildNext, childId);
        Assert.Equal("a", await PgSql.ScalarAsync(TestServers.PgDest,
            $"SELECT attidentity::text FROM pg_attribute WHERE attrelid = '\"{_db}\".child'::regclass AND attname = 'id'"));

        await _api.PostOkAsync($"/api/v1/projects/{id}/release");
        Assert.Equal("Released", Scenario.Status(await scenario.GetProjectAsync(id)));
    }

    [Fact]
    public async Task MariaDb_to_PostgreSql_switchover_turns_AUTO_INCREMENT_into_an_identity_that_continues()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE items (id bigint AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL DEFAULT 'it''s new', qty int DEFAULT 5,
              tag varchar(36) DEFAULT (uuid()));
            INSERT INTO items (name) VALUES ('a'), ('b'), ('c'), ('d');
            DELETE FROM items WHERE name IN ('c', 'd');
            """, _db);
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("maria-source", TestServers.MariaDbSource);
        var dst = await PgDataSourceAsync("pg-dest", TestServers.PgDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("switchover-m2p", src, dst, _db, ["schema", "full", "incremental"])))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");
        var warnings = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "warning").Select(e => e!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(warnings, w => w.Contains($"{_db}.items.tag") && w.Contains("uuid()"));

        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO items (name) VALUES ('e'), ('f'); DELETE FROM items WHERE name = 'f';", _db);
        await _api.PostOkAsync($"/api/v1/projects/{id}/switchover");
        await WaitStepAsync(id, "confirmSourceWritesStopped", "Running");
        await _api.PostOkAsync($"/api/v1/projects/{id}/switchover/steps/confirmSourceWritesStopped/confirm");
        await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(1), "switchover");

        var sourceRows = await MyScalarAsync(TestServers.MariaDbSource, $"SELECT GROUP_CONCAT(CONCAT(id, ':', name, ':', qty) ORDER BY id) FROM `{_db}`.items");
        var destRows = await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT string_agg(id || ':' || name || ':' || qty, ',' ORDER BY id) FROM \"{_db}\".items");
        Assert.Equal(sourceRows, destRows);
        var sourceNext = Convert.ToInt64(await MyScalarAsync(TestServers.MariaDbSource,
            $"SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{_db}' AND TABLE_NAME = 'items'"));
        var m2pSteps = (await _api.GetOkAsync($"/api/v1/projects/{id}/switchover")).ToJsonString();
        Assert.True(m2pSteps.Contains("counter(s) set: "), m2pSteps);
        var newId = (long)(await PgSql.ScalarAsync(TestServers.PgDest, $"INSERT INTO \"{_db}\".items DEFAULT VALUES RETURNING id"))!;
        Assert.Equal(sourceNext, newId);
        Assert.Equal("it's new:5", await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT name || ':' || qty FROM \"{_db}\".items WHERE id = {newId}"));
        await _api.PostOkAsync($"/api/v1/projects/{id}/release");
    }

    private async Task<string> PgDataSourceAsync(string name, string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        var ds = await _api.PostOkAsync("/api/v1/datasources", new { name, type = "postgresql", host = b.Host, port = b.Port, user = b.Username, password = b.Password, database = b.Database });
        return ds["id"]!.GetValue<string>();
    }

    private async Task<JsonNode> WaitStepAsync(string id, string step, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var steps = await _api.GetOkAsync($"/api/v1/projects/{id}/switchover");
            if (Step(steps, step)["status"]!.GetValue<string>() == status) return steps;
            if (DateTime.UtcNow > deadline) Assert.Fail($"step {step} never became {status}: {steps.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    private static JsonNode Step(JsonNode steps, string name) =>
        steps["steps"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == name)!;

    private static JsonNode SchemaObject(JsonNode schema, string name) =>
        schema.AsArray().FirstOrDefault(o => o!["name"]!.GetValue<string>() == name) ?? throw new Xunit.Sdk.XunitException($"no {name} in {schema.ToJsonString()}");

    private static async Task<object?> MyScalarAsync(string cs, string sql)
    {
        await using var c = await TestServers.OpenAsync(cs);
        await using var cmd = new MySqlCommand(sql, c);
        var v = await cmd.ExecuteScalarAsync();
        return v is DBNull ? null : v;
    }
}
