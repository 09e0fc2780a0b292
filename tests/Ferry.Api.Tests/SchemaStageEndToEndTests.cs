using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.Api.Tests;

/// <summary>
/// The schema stage object by object: tables without their foreign keys and CHECKs (added once the
/// copy is final), views in dependency order with renamed tables, and objects that fail on the
/// destination retried (as generated, or with the operator's DDL), skipped or removed.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class SchemaStageEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("schema_obj");
    private string DestDb => _db + "_d";
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, CONSTRAINT ck_parent CHECK (name <> 'forbidden'));
            CREATE TABLE child (
              id INT PRIMARY KEY, parent_id INT NOT NULL, qty INT NOT NULL,
              KEY by_parent (parent_id),
              CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id),
              CONSTRAINT ck_qty CHECK (qty > 0)
            );
            INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_50;
            INSERT INTO child SELECT seq, 1 + seq % 50, 1 + seq % 7 FROM seq_1_to_400;
            CREATE SEQUENCE ticket_seq;
            CREATE TABLE tickets (id INT PRIMARY KEY DEFAULT (NEXT VALUE FOR ticket_seq), title VARCHAR(30));
            INSERT INTO tickets (title) SELECT CONCAT('t', seq) FROM seq_1_to_20;
            CREATE TABLE too_long (id INT PRIMARY KEY);
            CREATE TABLE secret_stuff (id INT PRIMARY KEY, v INT);
            CREATE VIEW v_child AS SELECT c.id, p.name, c.qty FROM child c JOIN parent p ON p.id = c.parent_id WHERE c.qty > 2;
            CREATE VIEW v_top AS SELECT name, SUM(qty) AS total FROM v_child GROUP BY name;
            CREATE VIEW v_secret AS SELECT id FROM secret_stuff;
            """, _db);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{DestDb}`");
    }

    [Fact]
    public async Task Objects_that_fail_are_retried_skipped_or_removed_and_constraints_follow_the_copy()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", new
        {
            name = "schema-objects", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full" },
            objects = new
            {
                include = new[] { new { database = _db, tables = new[] { "*" } } },
                exclude = new[] { new { database = _db, tables = new[] { "secret_*" } } },
                // A destination name over MySQL's 64 characters cannot be created.
                rename = new Dictionary<string, string> { [_db] = DestDb, [$"{_db}.too_long"] = $"{DestDb}.{new string('x', 65)}" },
            },
        }))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");

        var failed = await scenario.WaitUntilAsync(id, p => Scenario.Status(p) == "Failed", "the schema stage to fail");
        Assert.Equal("schema.create-failed", failed["error"]!["code"]!.GetValue<string>());
        var schema = await SchemaAsync(id);
        Assert.Equal("Failed", Status(schema, "tickets"));
        Assert.Contains("ticket_seq", Error(schema, "tickets"));
        Assert.Equal("Failed", Status(schema, "too_long"));
        Assert.Equal("Failed", Status(schema, "v_secret"));
        Assert.Equal("view", schema[$"{_db}.v_secret"]!["kind"]!.GetValue<string>());
        // Every other object was created, views in dependency order (v_top reads v_child), with the renamed database.
        foreach (var ok in new[] { "parent", "child", "v_child", "v_top" }) Assert.Equal("Completed", Status(schema, ok));
        Assert.Contains($"`{DestDb}`.`child`", schema[$"{_db}.v_child"]!["ddl"]!.GetValue<string>());
        // Foreign keys and CHECKs wait for the copy; the table is created without them.
        Assert.DoesNotContain("FOREIGN KEY", schema[$"{_db}.child"]!["ddl"]!.GetValue<string>());
        Assert.DoesNotContain("ck_qty", schema[$"{_db}.child"]!["ddl"]!.GetValue<string>());
        Assert.Equal("foreignKey", schema[$"{_db}.child.fk_parent"]!["kind"]!.GetValue<string>());
        Assert.Equal("Pending", Status(schema, "child.fk_parent"));
        Assert.Contains($"REFERENCES `{DestDb}`.`parent`", schema[$"{_db}.child.fk_parent"]!["ddl"]!.GetValue<string>());
        Assert.Equal("check", schema[$"{_db}.child.ck_qty"]!["kind"]!.GetValue<string>());

        // Decisions: remove the table that cannot exist, give the view over an excluded table the operator's
        // own DDL, skip one constraint; the project stays Failed while an object still fails.
        var (status, problem) = await _api.PostAsync($"/api/v1/projects/{id}/schema/{_db}.nothing/skip");
        Assert.Equal(404, status);
        Assert.Equal("schema.not-found", problem!["code"]!.GetValue<string>());
        Assert.Equal("Failed", Scenario.Status(await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_db}.too_long/remove")));
        Assert.Equal("Failed", Scenario.Status(await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_db}.v_secret/retry",
            new { ddl = "CREATE OR REPLACE VIEW v_secret AS SELECT 42 AS id" })));
        await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_db}.parent.ck_parent/skip");
        (status, problem) = await _api.PostAsync($"/api/v1/projects/{id}/schema/{_db}.child.fk_parent/retry");
        Assert.Equal(409, status);

        // The operator creates the missing sequence by hand and retries the table as generated: nothing fails
        // any more, so the project resumes by itself and completes.
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"CREATE SEQUENCE `{DestDb}`.ticket_seq START WITH 1000");
        await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_db}.tickets/retry");
        var done = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(2), "the project to complete");
        Assert.Null(done["error"]);

        schema = await SchemaAsync(id);
        Assert.False(schema.ContainsKey($"{_db}.too_long"));
        Assert.Equal("Completed", Status(schema, "v_secret"));
        Assert.Equal("Completed", Status(schema, "child.fk_parent"));
        Assert.Equal("Completed", Status(schema, "child.ck_qty"));
        Assert.Equal("Skipped", Status(schema, "parent.ck_parent"));
        var objects = (await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray().Select(o => o!["table"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["child", "parent", "tickets"], objects);

        foreach (var table in new[] { "parent", "child", "tickets" })
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, table, DestDb);
        // The views answer the same on both sides.
        foreach (var view in new[] { "v_child", "v_top" })
            Assert.Equal(await QueryAsync(TestServers.MariaDbSource, $"SELECT * FROM `{_db}`.`{view}` ORDER BY 1"),
                await QueryAsync(TestServers.MariaDbDest, $"SELECT * FROM `{DestDb}`.`{view}` ORDER BY 1"));
        Assert.Equal(["42"], await QueryAsync(TestServers.MariaDbDest, $"SELECT * FROM `{DestDb}`.v_secret"));
        Assert.Equal(["CHECK ck_qty", "FOREIGN KEY fk_parent", "PRIMARY KEY PRIMARY"],
            await QueryAsync(TestServers.MariaDbDest,
                $"SELECT CONCAT(CONSTRAINT_TYPE, ' ', CONSTRAINT_NAME) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = '{DestDb}' AND TABLE_NAME = 'child' ORDER BY 1"));
        Assert.Equal(["PRIMARY KEY PRIMARY"],
            await QueryAsync(TestServers.MariaDbDest,
                $"SELECT CONCAT(CONSTRAINT_TYPE, ' ', CONSTRAINT_NAME) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = '{DestDb}' AND TABLE_NAME = 'parent' ORDER BY 1"));
        // The foreign key is enforced now.
        var refused = await Assert.ThrowsAsync<MySqlException>(() =>
            TestServers.ExecAsync(TestServers.MariaDbDest, "INSERT INTO child VALUES (9999, 12345, 1)", DestDb));
        Assert.Contains("foreign key", refused.Message, StringComparison.OrdinalIgnoreCase);
        var events = (await _api.GetOkAsync($"/api/v1/projects/{id}/events"))["items"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Contains("schema-remove", events);
        Assert.Contains("schema-retry", events);
        Assert.Contains("schema-skip", events);
    }

    private static string Status(Dictionary<string, JsonNode> schema, string name) => schema[Key(schema, name)]!["status"]!.GetValue<string>();

    private static string Error(Dictionary<string, JsonNode> schema, string name) => schema[Key(schema, name)]!["error"]!.GetValue<string>();

    private static string Key(Dictionary<string, JsonNode> schema, string name) => schema.Keys.Single(k => k.EndsWith("." + name, StringComparison.Ordinal) && k.Count(c => c == '.') == name.Count(c => c == '.') + 1);

    private async Task<Dictionary<string, JsonNode>> SchemaAsync(string id) =>
        (await _api.GetOkAsync($"/api/v1/projects/{id}/schema")).AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);


    private static async Task<List<string>> QueryAsync(string cs, string sql)
    {
        await using var c = await TestServers.OpenAsync(cs);
        await using var cmd = new MySqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await r.ReadAsync())
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }
}
