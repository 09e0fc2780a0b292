using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;

namespace Ferry.Api.Tests;

/// <summary>A MariaDB → MariaDB migration driven through HTTP on a real node, compared row by row.</summary>
[Collection(E2ECollection.Name)]
public sealed class MigrationEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("e2e_shop");
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");
        await TestServers.ExecAsync(TestServers.MariaDbSource, TypeTable.Create, _db);
        await TestServers.ExecAsync(TestServers.MariaDbSource, "SET time_zone = '+00:00'; " + TypeTable.SeedRows, _db);
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE orders (
              customer_id INT NOT NULL, order_no BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL,
              note VARCHAR(100) CHARACTER SET latin1, created DATETIME(6) NOT NULL,
              PRIMARY KEY (customer_id, order_no), KEY by_created (created)
            ) DEFAULT CHARSET=utf8mb4;
            INSERT INTO orders SELECT seq % 97, seq, seq * 1.25, CONCAT('note é ', seq), '2024-01-01' + INTERVAL seq SECOND
              FROM seq_1_to_25000;
            """, _db);
        await TestServers.ExecAsync(TestServers.MariaDbSource,
            "CREATE TABLE nokey (a INT, b VARCHAR(10)); INSERT INTO nokey VALUES (1, 'x'), (1, 'x'), (2, NULL)", _db);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
    }

    [Fact]
    public async Task Schema_full_incremental_and_verify_leave_the_destination_equal_to_the_source()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var created = await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("shop", src, dst, _db));
        var id = created["id"]!.GetValue<string>();
        Assert.Equal("NotStarted", Scenario.Status(created));
        Assert.Equal(["schema", "full", "incremental", "verify"], created["stages"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));

        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var project = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring",
            TimeSpan.FromMinutes(3), "incremental to catch up");
        // While incremental runs, the project and its writer have reminders to bring them back after a crash.
        await using (var meta = new Npgsql.NpgsqlConnection(_node.MetadataConnectionString))
        {
            await meta.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand(
                "SELECT remindername FROM orleansreminderstable WHERE grainid LIKE @p ORDER BY remindername", meta);
            cmd.Parameters.AddWithValue("p", $"%{id}%");
            var reminders = new List<string>();
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) reminders.Add(r.GetString(0));
            Assert.Contains("drive", reminders);
            Assert.Contains("keepalive", reminders);
        }
        var full = Scenario.Stage(project, "full");
        Assert.Equal("Completed", Scenario.Status(full));
        Assert.Equal(25007, full["migratedRows"]!.GetValue<long>());
        Assert.Equal("Completed", Scenario.Status(Scenario.Stage(project, "schema")));
        // The secondary index the schema stage left out was built after the copy.
        await using (var dest = await TestServers.OpenAsync(TestServers.MariaDbDest))
        {
            await using var cmd = new MySqlConnector.MySqlCommand(
                "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = 'orders' AND INDEX_NAME = 'by_created'", dest);
            cmd.Parameters.AddWithValue("@d", _db);
            Assert.Equal(1L, Convert.ToInt64(await cmd.ExecuteScalarAsync()));
        }

        // Pause stops the components; changes made meanwhile arrive after resume.
        var paused = await _api.PostOkAsync($"/api/v1/projects/{id}/pause");
        Assert.Equal("Paused", Scenario.Status(paused));
        Assert.Equal("Paused", Scenario.Status(Scenario.Stage(paused, "incremental")));
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO orders VALUES (99, 1, 9.99, 'while paused', '2025-06-01')", _db);
        var resumed = await _api.PostOkAsync($"/api/v1/projects/{id}/resume");
        Assert.Equal("Running", Scenario.Status(resumed));
        Assert.Equal("Monitoring", Scenario.Status(Scenario.Stage(resumed, "incremental")));

        // Changes while incremental runs: single statements, a multi-statement transaction,
        // a rolled-back transaction, a key change, and every type changed to other edge values.
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            SET time_zone = '+00:00';
            INSERT INTO types (id, vc, ts, j) VALUES (10, 'inserted 😀', '2001-02-03 04:05:06.070809', '{"k": 1}');
            UPDATE types SET ti = 5, tiu = 250, bi = -1, biu = 18446744073709551614, d = '-0.000000000000000000000000000001',
              d2 = 0, f = 0.5, db = -0.25, c = 'changed', vc = 'ça 🚀', t = '', dt = '2000-01-01', dtm = '2000-01-01 00:00:00.5',
              ts = '2000-01-01 00:00:00.000001', bl = X'DEADBEEF00', vb = X'0000', j = '{"changed": true}' WHERE id = 3;
            UPDATE types SET vc = NULL, j = NULL WHERE id = 2;
            DELETE FROM types WHERE id = 1;
            START TRANSACTION;
            INSERT INTO orders VALUES (1, 900001, 1.00, 'tx é', '2025-01-01'), (2, 900002, 2.00, NULL, '2025-01-02');
            UPDATE orders SET amount = amount + 1000 WHERE customer_id = 5 AND order_no < 2000;
            DELETE FROM orders WHERE customer_id = 7;
            COMMIT;
            START TRANSACTION;
            INSERT INTO orders VALUES (3, 999999, 3.00, 'rolled back', '2025-01-03');
            DELETE FROM orders WHERE customer_id = 8;
            ROLLBACK;
            UPDATE orders SET order_no = order_no + 5000000 WHERE customer_id = 11 AND order_no < 3000;
            """, _db);
        for (var i = 0; i < 50; i++)
            await TestServers.ExecAsync(TestServers.MariaDbSource,
                $"INSERT INTO orders VALUES (42, {800000 + i}, {i}.5, 'single {i}', NOW(6)); UPDATE orders SET note = 'touched {i}' WHERE customer_id = 42 AND order_no = {800000 + i}", _db);

        await Scenario.AssertConvergesAsync(_db, ["types", "orders"], TimeSpan.FromSeconds(60));
        var caughtUp = await scenario.WaitAsync(id, p =>
        {
            var inc = Scenario.Stage(p, "incremental");
            return inc["latencySeconds"]?.GetValue<double>() <= 1 && inc["inserted"]?.GetValue<long>() >= 54;
        }, TimeSpan.FromSeconds(30), "latency back to zero");
        var incremental = Scenario.Stage(caughtUp, "incremental");
        Assert.True(incremental["updated"]!.GetValue<long>() >= 50, incremental.ToJsonString());
        Assert.True(incremental["deleted"]!.GetValue<long>() >= 1, incremental.ToJsonString());
        Assert.NotNull(incremental["checkpoint"]?["position"]);
        Assert.Equal("Running", Scenario.Status(caughtUp));

        var verified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed",
            TimeSpan.FromMinutes(2), "verification");
        var verify = Scenario.Stage(verified, "verify");
        Assert.Equal(3, verify["consistentTables"]!.GetValue<int>());
        Assert.Equal(0, verify["inconsistentTables"]!.GetValue<int>());

        // The table without a key was copied (duplicates included) and is flagged as not synced.
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, "nokey");
        var objects = (await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray();
        Assert.Equal(["nokey", "orders", "types"], objects.Select(o => o!["table"]!.GetValue<string>()).Order());
        var nokey = objects.Single(o => o!["table"]!.GetValue<string>() == "nokey")!;
        Assert.Equal("Skipped", nokey["incremental"]!["status"]!.GetValue<string>());
        Assert.Contains("not kept in sync", nokey["error"]!.GetValue<string>());
        Assert.Equal("Running", objects.Single(o => o!["table"]!.GetValue<string>() == "orders")!["incremental"]!["status"]!.GetValue<string>());
        var events = await _api.GetOkAsync($"/api/v1/projects/{id}/events");
        Assert.Contains(events["items"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "started" && e["who"]!.GetValue<string>() == "admin");
        Assert.Contains(events["items"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "warning" && e["message"]!.GetValue<string>().Contains("nokey"));

        // Release stops the components and removes the checkpoint; then the project may be deleted.
        var released = await _api.PostOkAsync($"/api/v1/projects/{id}/release");
        Assert.Equal("Released", Scenario.Status(released));
        var (deleteStatus, _) = await _api.SendAsync(HttpMethod.Delete, $"/api/v1/projects/{id}");
        Assert.Equal(204, deleteStatus);
        var (gone, _) = await _api.GetAsync($"/api/v1/projects/{id}");
        Assert.Equal(404, gone);
    }

    [Fact]
    public async Task A_copy_only_project_with_renames_and_exclusions_completes_and_verifies_once()
    {
        var target = _db + "_copy";
        await TestServers.ExecAsync(TestServers.MariaDbSource, "CREATE TABLE tmp_scratch (id INT PRIMARY KEY); INSERT INTO tmp_scratch VALUES (1)", _db);
        try
        {
            var scenario = new Scenario(_api);
            var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
            var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
            var (status, body) = await _api.PostAsync("/api/v1/projects", new
            {
                name = "copy-only", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full", "verify" },
                objects = new
                {
                    include = new[] { new { database = _db, tables = new[] { "*" } } },
                    exclude = new[] { new { database = _db, tables = new[] { "tmp_*" } } },
                    rename = new Dictionary<string, string> { [_db] = target, [$"{_db}.orders"] = $"{target}.orders_2024" },
                },
                options = new { autoStart = true },
            });
            Assert.True(status == 201, body?.ToJsonString());
            Assert.Equal("Running", Scenario.Status(body!));
            var id = body!["id"]!.GetValue<string>();
            var done = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(3), "the project to complete");
            Assert.All(done["stages"]!.AsArray(), s => Assert.Equal("Completed", Scenario.Status(s!)));
            Assert.Equal(3, Scenario.Stage(done, "verify")["consistentTables"]!.GetValue<int>()); // types, orders, and nokey compared whole

            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, "types", target);
            var orders = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, _db, "orders");
            var renamed = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, target, "orders_2024");
            Assert.Equal(orders, renamed);
            var objects = (await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray();
            Assert.DoesNotContain(objects, o => o!["table"]!.GetValue<string>() == "tmp_scratch");
            Assert.Contains(objects, o => o!["destTable"]!.GetValue<string>() == "orders_2024" && o["destDatabase"]!.GetValue<string>() == target);
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, target, "tmp_scratch"));

            // Damage the destination, verify again: the differences are listed with SQL that repairs them.
            await TestServers.ExecAsync(TestServers.MariaDbDest, """
                UPDATE orders_2024 SET amount = -1, note = 'tampered' WHERE customer_id = 1 AND order_no = 1;
                DELETE FROM orders_2024 WHERE customer_id = 2 AND order_no = 2;
                INSERT INTO orders_2024 VALUES (98, 98, 9.80, 'extra', '2020-01-01');
                DELETE FROM nokey WHERE a = 2;
                """, target);
            var reverify = await _api.PostOkAsync($"/api/v1/projects/{id}/verification/reverify", new { scope = "all" });
            Assert.Equal("Running", Scenario.Status(reverify));
            var checkedAgain = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(2), "re-verification");
            Assert.Equal(2, Scenario.Stage(checkedAgain, "verify")["inconsistentTables"]!.GetValue<int>());
            var diff = await _api.GetOkAsync($"/api/v1/projects/{id}/verification/{_db}.orders/diff");
            var kinds = diff["rows"]!.AsArray().Select(r => r!["kind"]!.GetValue<string>()).Order().ToList();
            Assert.Equal(["extraInDest", "mismatch", "missingInDest"], kinds);
            var mismatch = diff["rows"]!.AsArray().Single(r => r!["kind"]!.GetValue<string>() == "mismatch")!;
            Assert.Equal("tampered", mismatch["dest"]!["note"]!.GetValue<string>());
            Assert.Equal("1.25", mismatch["source"]!["amount"]!.GetValue<string>());
            var nokeyDiff = await _api.GetOkAsync($"/api/v1/projects/{id}/verification/{_db}.nokey/diff");
            var sql = diff["correctionSql"]!.AsArray().Select(x => x!.GetValue<string>())
                .Concat(nokeyDiff["correctionSql"]!.AsArray().Skip(1).Select(x => x!.GetValue<string>()));
            await TestServers.ExecAsync(TestServers.MariaDbDest, string.Join(";\n", sql), target);
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, "nokey", target);
            Assert.Equal(orders, await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, target, "orders_2024"));
            await _api.PostOkAsync($"/api/v1/projects/{id}/verification/reverify", new { scope = "all" });
            var repaired = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed" && Scenario.Status(Scenario.Stage(p, "verify")) == "Completed",
                TimeSpan.FromMinutes(2), "verification after repair");
            Assert.Equal(0, Scenario.Stage(repaired, "verify")["inconsistentTables"]!.GetValue<int>());
        }
        finally
        {
            await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{target}`");
        }
    }

    [Fact]
    public async Task Ddl_while_streaming_is_applied_in_order_and_one_it_cannot_apply_stops_the_writer_until_skipped()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("ddl", src, dst, _db, ["schema", "full", "incremental"])))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");

        // DDL statements with rows on both sides of each.
        string[] steps =
        [
            "INSERT INTO orders VALUES (500, 1, 1.00, 'before', '2025-01-01'); ALTER TABLE orders ADD COLUMN extra INT NULL DEFAULT 5; INSERT INTO orders VALUES (500, 2, 2.00, 'after', '2025-01-02', 7)",
            "UPDATE orders SET extra = 9 WHERE customer_id = 1 AND order_no < 500; CREATE INDEX by_extra ON orders (extra); UPDATE orders SET extra = 10 WHERE customer_id = 2 AND order_no < 500",
            "ALTER TABLE orders MODIFY COLUMN note VARCHAR(200) CHARACTER SET latin1, ALTER COLUMN extra SET DEFAULT 6; INSERT INTO orders (customer_id, order_no, amount, note, created) VALUES (500, 3, 3, REPEAT('é', 150), '2025-01-03')",
            "CREATE TABLE fresh (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO fresh VALUES (1, 'a'), (2, 'b'); UPDATE fresh SET v = 'c' WHERE id = 2",
            "CREATE TABLE `gone` (id INT PRIMARY KEY); INSERT INTO `gone` VALUES (1); DROP TABLE `gone`",
            "TRUNCATE TABLE types; INSERT INTO types (id, vc) VALUES (77, 'after truncate')",
            "DROP INDEX by_extra ON orders; ALTER TABLE orders DROP COLUMN extra; INSERT INTO orders VALUES (500, 4, 4.00, 'dropped', '2025-01-04')",
        ];
        // All at once: the writer meets each statement long after the source has moved on.
        await TestServers.ExecAsync(TestServers.MariaDbSource, string.Join(";\n", steps), _db);
        await Scenario.AssertConvergesAsync(_db, ["orders", "types", "fresh"], TimeSpan.FromSeconds(60));
        await Assert.ThrowsAsync<InvalidOperationException>(() => MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, _db, "gone"));
        // Nine statements applied: ADD COLUMN, CREATE INDEX, MODIFY, two CREATE TABLE, DROP TABLE, TRUNCATE, DROP INDEX, DROP COLUMN.
        var running = await scenario.WaitAsync(id, p => Scenario.Stage(p, "incremental")["ddl"]?.GetValue<long>() >= 9, TimeSpan.FromSeconds(20), "the DDL counter");
        Assert.Equal("Running", Scenario.Status(running));
        var objects = (await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray();
        Assert.Contains(objects, o => o!["table"]!.GetValue<string>() == "fresh");

        // A view is not applied automatically: the writer stops with everything before it committed.
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            INSERT INTO orders VALUES (500, 5, 5.00, 'before view', '2025-01-05');
            CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
            INSERT INTO orders VALUES (500, 6, 6.00, 'after view', '2025-01-06');
            """, _db);
        var failed = await WaitForStatusAsync(id, "Failed");
        Assert.Equal("ddl.unsupported", failed["error"]!["code"]!.GetValue<string>());
        var blocking = Assert.Single((await _api.GetOkAsync($"/api/v1/projects/{id}/ddl")).AsArray())!;
        Assert.Equal("Blocking", blocking["status"]!.GetValue<string>());
        Assert.Contains("VIEW `big_orders`", blocking["statement"]!.GetValue<string>());
        var before = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, _db, "orders");
        Assert.Contains(before, r => r.StartsWith("customer_id=353030 order_no=35 "));
        Assert.DoesNotContain(before, r => r.StartsWith("customer_id=353030 order_no=36 "));

        // The operator creates the view on the destination by hand, then skips the statement.
        await TestServers.ExecAsync(TestServers.MariaDbDest, "CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100", _db);
        var resumed = await _api.PostOkAsync($"/api/v1/projects/{id}/ddl/1/skip");
        Assert.Equal("Running", Scenario.Status(resumed));
        await Scenario.AssertConvergesAsync(_db, ["orders"], TimeSpan.FromSeconds(60));
        Assert.Equal("Skipped", (await _api.GetOkAsync($"/api/v1/projects/{id}/ddl")).AsArray()[0]!["status"]!.GetValue<string>());
        var (again, problem) = await _api.PostAsync($"/api/v1/projects/{id}/ddl/1/skip");
        Assert.Equal(409, again);
        Assert.Equal("project.invalid-transition", problem!["code"]!.GetValue<string>());
        var (missing, _) = await _api.PostAsync($"/api/v1/projects/{id}/ddl/9/skip");
        Assert.Equal(404, missing);
    }

    [Fact]
    public async Task Components_pause_and_start_alone_schema_objects_are_listed_and_verification_can_be_skipped()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("parts", src, dst, _db)))["id"]!.GetValue<string>();
        var skipped = await _api.PostOkAsync($"/api/v1/projects/{id}/verification/skip");
        Assert.Equal("Skipped", Scenario.Status(Scenario.Stage(skipped, "verify")));
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");

        var schema = (await _api.GetOkAsync($"/api/v1/projects/{id}/schema")).AsArray();
        var orders = schema.Single(o => o!["name"]!.GetValue<string>() == $"{_db}.orders")!;
        Assert.Equal("Completed", orders["status"]!.GetValue<string>());
        Assert.Contains("CREATE TABLE", orders["ddl"]!.GetValue<string>());

        var components = (await _api.GetOkAsync($"/api/v1/projects/{id}/components")).AsArray();
        Assert.Contains(components, c => c!["id"]!.GetValue<string>() == "forward" && c["kind"]!.GetValue<string>() == "writer");
        await _api.PostOkAsync($"/api/v1/projects/{id}/components/forward/pause");
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO orders VALUES (600, 1, 1.00, 'while the writer rests', '2025-02-01')", _db);
        await Task.Delay(2000);
        var dest = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, _db, "orders");
        Assert.DoesNotContain(dest, r => r.StartsWith("customer_id=363030 "));
        var (again, _) = await _api.PostAsync($"/api/v1/projects/{id}/components/nope/start");
        Assert.Equal(404, again);
        await _api.PostOkAsync($"/api/v1/projects/{id}/components/forward/start");
        await Scenario.AssertConvergesAsync(_db, ["orders"], TimeSpan.FromSeconds(60));
        Assert.Equal("Running", Scenario.Status(await scenario.GetProjectAsync(id)));
    }

    [Fact]
    public async Task Tables_added_to_a_paused_project_are_created_copied_and_joined_to_the_stream()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var body = new
        {
            name = "grow", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full", "incremental" },
            objects = new { include = new[] { new { database = _db, tables = new[] { "orders" } } } },
            options = new { latencyThresholdSeconds = 5 },
        };
        var id = (await _api.PostOkAsync("/api/v1/projects", body))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");
        Assert.Single((await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray());

        await _api.PostOkAsync($"/api/v1/projects/{id}/pause");
        // Changes while paused, to the old table and to the one about to join.
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO orders VALUES (700, 1, 7.00, 'paused', '2025-03-01'); UPDATE types SET vc = 'while paused' WHERE id = 3", _db);
        var (status, patched) = await _api.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}",
            new { objects = new { include = new[] { new { database = _db, tables = new[] { "orders", "types" } } } } });
        Assert.True(status == 200, patched?.ToJsonString());
        // Modifying while the new rules are resolved and tables created, Integrating while they are copied.
        Assert.Equal("Modifying", Scenario.Status(patched!));

        var joined = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Running", TimeSpan.FromMinutes(2), "integration");
        var steps = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray()
            .Select(e => e!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(steps, m => m.StartsWith("1 new table(s)", StringComparison.Ordinal));
        Assert.Equal("Monitoring", Scenario.Status(Scenario.Stage(joined, "incremental")));
        await TestServers.ExecAsync(TestServers.MariaDbSource, "SET time_zone = '+00:00'; UPDATE types SET ts = '2030-01-01 00:00:00', vc = 'after join' WHERE id = 2; INSERT INTO orders VALUES (700, 2, 7.00, 'after', '2025-03-02')", _db);
        await Scenario.AssertConvergesAsync(_db, ["orders", "types"], TimeSpan.FromSeconds(60));
        var objects = (await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray();
        Assert.Equal(["orders", "types"], objects.Select(o => o!["table"]!.GetValue<string>()).Order());
        var events = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray();
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "integrated");
    }

    private async Task<System.Text.Json.Nodes.JsonNode> WaitForStatusAsync(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var p = await _api.GetOkAsync($"/api/v1/projects/{id}");
            if (Scenario.Status(p) == status) return p;
            Assert.True(DateTime.UtcNow < deadline, $"project never became {status}: {p.ToJsonString()}");
            await Task.Delay(200);
        }
    }
}
