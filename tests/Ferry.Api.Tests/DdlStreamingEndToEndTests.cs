using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.Api.Tests;

/// <summary>
/// DDL statements met while streaming, each with rows written right before and after it in the same
/// stream, and the destination compared with the source row by row afterwards.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class DdlStreamingEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("e2e_ddl");
    private FerryNode _node = null!;
    private FerryClient _api = null!;
    private string DestDb => _db + "_d";

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(30) NOT NULL, balance DECIMAL(12,2) NOT NULL) DEFAULT CHARSET=utf8mb4;
            INSERT INTO accounts SELECT seq, CONCAT('owner ', seq), seq * 3.5 FROM seq_1_to_3000;
            CREATE TABLE swap_a (id INT PRIMARY KEY, tag CHAR(1) NOT NULL);
            INSERT INTO swap_a SELECT seq, 'a' FROM seq_1_to_50;
            CREATE TABLE swap_b (id INT PRIMARY KEY, tag CHAR(1) NOT NULL, note VARCHAR(20));
            INSERT INTO swap_b SELECT seq, 'b', CONCAT('b', seq) FROM seq_1_to_70;
            CREATE TABLE leaver (id INT PRIMARY KEY, v INT);
            INSERT INTO leaver SELECT seq, seq FROM seq_1_to_20;
            CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, qty INT NOT NULL DEFAULT 1, price DECIMAL(8,2)) DEFAULT CHARSET=utf8mb4;
            INSERT INTO items SELECT seq, CONCAT('item ', seq), seq % 9, seq / 7 FROM seq_1_to_1000;
            CREATE TABLE hist (id INT PRIMARY KEY, v INT NOT NULL);
            INSERT INTO hist SELECT seq, seq * 2 FROM seq_1_to_500;
            CREATE TABLE archive_model (id INT PRIMARY KEY);
            """, _db);
        _node = new FerryNode(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        if (_node is not null) await _node.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{DestDb}`");
    }

    /// <summary>Everything but archive_* tables, into database {db}_d; ledger lands as ledger_main.</summary>
    private async Task<string> StartProjectAsync(Scenario scenario, string[] tables)
    {
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var body = new
        {
            name = "ddl", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full", "incremental" },
            objects = new
            {
                include = new[] { new { database = _db, tables } },
                exclude = new[] { new { database = _db, tables = new[] { "archive_*" } } },
                rename = new Dictionary<string, string> { [_db] = DestDb, [$"{_db}.ledger"] = $"{DestDb}.ledger_main" },
            },
            options = new { latencyThresholdSeconds = 5 },
        };
        var id = (await _api.PostOkAsync("/api/v1/projects", body))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");
        return id;
    }

    [Fact]
    public async Task Renamed_tables_are_followed_under_their_new_names_swaps_included_and_one_renamed_out_of_the_rules_leaves_the_project()
    {
        var scenario = new Scenario(_api);
        var id = await StartProjectAsync(scenario, ["accounts", "swap_*", "leaver", "ledger"]);

        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            INSERT INTO accounts VALUES (5001, 'before rename', 1.00);
            UPDATE accounts SET balance = balance + 1 WHERE id <= 100;
            RENAME TABLE accounts TO ledger;
            INSERT INTO ledger VALUES (5002, 'after rename', 2.00);
            UPDATE ledger SET owner = 'renamed' WHERE id BETWEEN 50 AND 150;
            DELETE FROM ledger WHERE id = 7;

            INSERT INTO swap_a VALUES (1001, 'a');
            INSERT INTO swap_b VALUES (1001, 'b', 'before swap');
            RENAME TABLE swap_a TO swap_tmp, swap_b TO swap_a, swap_tmp TO swap_b;
            INSERT INTO swap_a VALUES (1002, 'b', 'after swap');
            INSERT INTO swap_b VALUES (1002, 'a');
            UPDATE swap_a SET note = 'was b' WHERE id <= 10;
            DELETE FROM swap_b WHERE id = 3;

            ALTER TABLE swap_b RENAME TO swap_c;
            INSERT INTO swap_c VALUES (1003, 'c');

            INSERT INTO leaver VALUES (21, 21);
            RENAME TABLE leaver TO archive_leaver;
            INSERT INTO archive_leaver VALUES (22, 22);
            UPDATE archive_leaver SET v = -1;
            """, _db);

        await AssertConvergesAsync(("ledger", "ledger_main"), ("swap_a", "swap_a"), ("swap_c", "swap_c"));
        await AssertMissingOnDestinationAsync("accounts", "swap_b", "leaver");
        // The table that left keeps what it had when it left, under the name the source gave it.
        var left = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, "archive_leaver");
        Assert.Equal(21, left.Count);
        Assert.DoesNotContain(left, r => r.Contains("v=2D31 ")); // -1

        var running = await scenario.WaitAsync(id, p => Scenario.Stage(p, "incremental")["ddl"]?.GetValue<long>() >= 4, TimeSpan.FromSeconds(20), "the DDL counter");
        Assert.Equal("Running", Scenario.Status(running));
        var objects = await WaitForObjectsAsync(id, o => o.ContainsKey("ledger") && o.ContainsKey("swap_c") && !o.ContainsKey("accounts") && !o.ContainsKey("swap_b"));
        Assert.Equal($"{DestDb}.ledger_main", $"{objects["ledger"]["destDatabase"]}.{objects["ledger"]["destTable"]}");
        Assert.Equal("Skipped", objects["leaver"]["incremental"]!["status"]!.GetValue<string>());
        var events = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray();
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "warning" && e["message"]!.GetValue<string>().Contains("leaver") &&
                                     e["message"]!.GetValue<string>().Contains("no longer synchronized"));
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "table-departed" && e["message"]!.GetValue<string>().Contains("renamed to"));

        // The writer starts again from its checkpoint with the renamed tables.
        await _api.PostOkAsync($"/api/v1/projects/{id}/pause");
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO ledger VALUES (5003, 'while paused', 3.00); UPDATE swap_a SET tag = 'p' WHERE id = 1", _db);
        await _api.PostOkAsync($"/api/v1/projects/{id}/resume");
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO swap_c VALUES (1004, 'r'); UPDATE ledger SET balance = 0 WHERE id = 5003", _db);
        await AssertConvergesAsync(("ledger", "ledger_main"), ("swap_a", "swap_a"), ("swap_c", "swap_c"));

        // A table renamed into the rules from outside them needs a full copy: the writer stops and says so.
        // (It takes a name that left earlier, so the history's last word on that name is that it is gone.)
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE archive_new (id INT PRIMARY KEY);
            INSERT INTO archive_new VALUES (1);
            INSERT INTO ledger VALUES (5004, 'before entering', 4.00);
            RENAME TABLE archive_new TO accounts;
            INSERT INTO ledger VALUES (5005, 'after entering', 5.00);
            """, _db);
        var failed = await WaitForFailureAsync(id);
        Assert.Equal("ddl.unsupported", failed["error"]!["code"]!.GetValue<string>());
        Assert.Contains("full copy", failed["error"]!["message"]!.GetValue<string>());
        var dest = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, "ledger_main");
        Assert.Contains(dest, r => r.Contains("owner=6265666F726520656E746572696E67 ")); // 'before entering'
        Assert.DoesNotContain(dest, r => r.Contains("owner=616674657220656E746572696E67 ")); // 'after entering'

        // The operator has it integrated: created and copied, then the writer passes the statement.
        var (status, patched) = await _api.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}", new
        {
            objects = new
            {
                include = new[] { new { database = _db, tables = new[] { "accounts", "swap_*", "leaver", "ledger" } } },
                exclude = new[] { new { database = _db, tables = new[] { "archive_*" } } },
                rename = new Dictionary<string, string> { [_db] = DestDb, [$"{_db}.ledger"] = $"{DestDb}.ledger_main" },
            },
        });
        Assert.True(status == 200, patched?.ToJsonString());
        await scenario.WaitAsync(id, p => Scenario.Status(p) == "Running", TimeSpan.FromMinutes(1), "the integration");
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO accounts VALUES (2); INSERT INTO ledger VALUES (5006, 'after integration', 6.00)", _db);
        await AssertConvergesAsync(("ledger", "ledger_main"), ("accounts", "accounts"), ("swap_a", "swap_a"));
        var ddl = Assert.Single((await _api.GetOkAsync($"/api/v1/projects/{id}/ddl")).AsArray())!;
        Assert.Contains("RENAME TABLE archive_new TO accounts", ddl["statement"]!.GetValue<string>());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await _api.GetOkAsync($"/api/v1/projects/{id}/ddl")).AsArray()[0]!["status"]!.GetValue<string>() != "Passed")
        {
            Assert.True(DateTime.UtcNow < deadline, "the statement the writer passed is still listed as blocking");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Column_changes_create_like_and_create_select_stream_with_rows_before_and_after_each()
    {
        var scenario = new Scenario(_api);
        var id = await StartProjectAsync(scenario, ["*"]);

        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            INSERT INTO items (id, name) VALUES (2001, 'default 1');
            ALTER TABLE items ALTER COLUMN qty SET DEFAULT 7;
            INSERT INTO items (id, name) VALUES (2002, 'default 7');
            UPDATE items SET qty = DEFAULT WHERE id BETWEEN 10 AND 20;

            INSERT INTO items (id, name, qty) VALUES (2003, 'before add', 3);
            ALTER TABLE items ADD COLUMN color VARCHAR(10) NOT NULL DEFAULT 'red' AFTER name;
            INSERT INTO items (id, name, color) VALUES (2004, 'after add', 'blue');
            UPDATE items SET color = 'green' WHERE id % 100 = 0;

            UPDATE items SET price = 1.25 WHERE id = 2003;
            ALTER TABLE items MODIFY COLUMN price DECIMAL(12,3) NULL;
            INSERT INTO items (id, name, price) VALUES (2005, 'after modify', 123456.789);
            UPDATE items SET price = price + 0.001 WHERE id < 30;

            UPDATE items SET name = 'before change' WHERE id = 1;
            ALTER TABLE items CHANGE COLUMN name title VARCHAR(40) NOT NULL;
            INSERT INTO items (id, title) VALUES (2006, REPEAT('t', 40));
            UPDATE items SET title = CONCAT(title, ' changed') WHERE id BETWEEN 30 AND 40;

            DELETE FROM items WHERE id = 2;
            ALTER TABLE items DROP COLUMN color;
            INSERT INTO items (id, title) VALUES (2007, 'after drop');
            UPDATE items SET qty = 99 WHERE id BETWEEN 40 AND 60;

            INSERT INTO items (id, title) VALUES (2008, 'before like');
            CREATE TABLE items_copy LIKE items;
            INSERT INTO items_copy SELECT * FROM items WHERE id < 50;
            UPDATE items_copy SET qty = -qty WHERE id < 10;

            CREATE TABLE totals (PRIMARY KEY (qty)) AS SELECT qty, COUNT(*) AS n, SUM(price) AS total FROM items GROUP BY qty;
            UPDATE totals SET n = n + 1000 WHERE qty = 99;
            INSERT INTO items (id, title) VALUES (2009, 'after select');
            """, _db);

        await AssertConvergesAsync(("items", "items"), ("items_copy", "items_copy"), ("totals", "totals"));
        // Column definitions, defaults included, are the source's.
        foreach (var table in new[] { "items", "items_copy", "totals" })
            Assert.Equal(await ColumnsAsync(TestServers.MariaDbSource, _db, table), await ColumnsAsync(TestServers.MariaDbDest, DestDb, table));
        var running = await scenario.WaitAsync(id, p => Scenario.Stage(p, "incremental")["ddl"]?.GetValue<long>() >= 7, TimeSpan.FromSeconds(20), "the DDL counter");
        Assert.Equal("Running", Scenario.Status(running));

        // A LIKE whose model the project does not migrate cannot be applied: the writer stops and says why.
        await TestServers.ExecAsync(TestServers.MariaDbSource, "CREATE TABLE from_archive LIKE archive_model", _db);
        var failed = await WaitForFailureAsync(id);
        Assert.Contains("is not migrated", failed["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_writer_restarted_from_a_checkpoint_before_an_alter_the_source_already_ran_uses_the_definition_in_force_there()
    {
        var scenario = new Scenario(_api);
        var id = await StartProjectAsync(scenario, ["hist"]);
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO hist VALUES (501, 1)", _db);
        await AssertConvergesAsync(("hist", "hist"));

        // The writer rests, so its checkpoint stays before everything below.
        await _api.PostOkAsync($"/api/v1/projects/{id}/components/forward/pause");
        await Task.Delay(1000);
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            INSERT INTO hist VALUES (502, 2), (503, 3);
            UPDATE hist SET v = -v WHERE id <= 10;
            ALTER TABLE hist ADD COLUMN w VARCHAR(10) NOT NULL DEFAULT 'w0' AFTER id;
            INSERT INTO hist VALUES (504, 'w4', 4);
            UPDATE hist SET w = 'upd' WHERE id BETWEEN 11 AND 20;
            ALTER TABLE hist DROP COLUMN v;
            INSERT INTO hist VALUES (505, 'w5');
            """, _db);

        await Task.Delay(1500);
        // Nothing of it reached the destination: the checkpoint is before the first ALTER.
        var resting = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, "hist");
        Assert.Equal(501, resting.Count);
        Assert.Equal(["id", "v"], (await ColumnsAsync(TestServers.MariaDbDest, DestDb, "hist")).Select(c => c.Split('|')[0]));

        // The node dies and comes back; the writer starts in a new process while the source's table
        // already has its final shape, two statements after the checkpoint.
        _node.Kill();
        await _node.StartAsync();
        // Waking the project after the restart may already have started the writer again; either way it starts here.
        var (started, problem) = await _api.PostAsync($"/api/v1/projects/{id}/components/forward/start");
        Assert.True(started == 200 || problem?["detail"]?.GetValue<string>().Contains("is not paused") == true, problem?.ToJsonString());

        await AssertConvergesAsync(("hist", "hist"));
        Assert.Equal(await ColumnsAsync(TestServers.MariaDbSource, _db, "hist"), await ColumnsAsync(TestServers.MariaDbDest, DestDb, "hist"));
        Assert.Equal("Running", Scenario.Status(await scenario.GetProjectAsync(id)));
        // The history holds the definition taken in at the start and one per statement.
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbDest);
        await using var cmd = new MySqlCommand(
            "SELECT note FROM `__ferry`.`ferry_schema_history` WHERE stream = @s AND source_database = @d AND source_table = 'hist' ORDER BY seq", c);
        cmd.Parameters.AddWithValue("@s", $"{id}/forward");
        cmd.Parameters.AddWithValue("@d", _db);
        var notes = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) notes.Add(r.GetString(0));
        Assert.Equal(["taken from the source", "changed by a statement", "changed by a statement"], notes);
    }

    private async Task AssertConvergesAsync(params (string Source, string Dest)[] tables)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var (source, dest) in tables)
        {
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    var s = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, _db, source);
                    var d = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, dest);
                    if (s.SequenceEqual(d)) break;
                }
                catch (InvalidOperationException) { /* not there yet */ }
                await Task.Delay(250);
            }
            var src = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, _db, source);
            var dst = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, dest);
            var missing = src.Except(dst).Take(3).ToList();
            var extra = dst.Except(src).Take(3).ToList();
            Assert.True(src.Count == dst.Count && missing.Count == 0 && extra.Count == 0,
                $"{_db}.{source} → {DestDb}.{dest}: source {src.Count} rows, destination {dst.Count} rows\n" +
                $"missing in destination: {string.Join("\n  ", missing)}\nextra in destination: {string.Join("\n  ", extra)}\n{_node.Log[^Math.Min(_node.Log.Length, 4000)..]}");
        }
    }

    /// <summary>
    /// Each table is gone from the destination, within 30 s: the statements that move it away may come in a later
    /// batch than the rows the convergence check waited for.
    /// </summary>
    private async Task AssertMissingOnDestinationAsync(params string[] tables)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var t in tables)
        {
            while (DateTime.UtcNow < deadline && await ExistsOnDestinationAsync(t)) await Task.Delay(200);
            await Assert.ThrowsAsync<InvalidOperationException>(() => MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, t));
        }
    }

    private async Task<bool> ExistsOnDestinationAsync(string table)
    {
        try
        {
            await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, table);
            return true;
        }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Name, type, nullability and default of each column, in order.</summary>
    private static async Task<List<string>> ColumnsAsync(string cs, string db, string table)
    {
        await using var c = await TestServers.OpenAsync(cs);
        await using var cmd = new MySqlCommand(
            "SELECT CONCAT_WS('|', COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '∅'), COLUMN_KEY) FROM information_schema.COLUMNS " +
            "WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION", c);
        cmd.Parameters.AddWithValue("@d", db);
        cmd.Parameters.AddWithValue("@t", table);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        Assert.NotEmpty(list);
        return list;
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

    private async Task<Dictionary<string, JsonNode>> WaitForObjectsAsync(string id, Func<Dictionary<string, JsonNode>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var objects = (await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray()
                .ToDictionary(o => o!["table"]!.GetValue<string>(), o => o!);
            if (done(objects)) return objects;
            Assert.True(DateTime.UtcNow < deadline, $"the object list never settled: {string.Join(", ", objects.Keys)}");
            await Task.Delay(250);
        }
    }
}
