using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.Api.Tests;

/// <summary>
/// Object rules on a source with two databases: include/exclude wildcards, a database rename, row
/// filters (judged by the source server's own collations and types) and column subsets, through
/// schema, full copy, incremental and verify. The destination is compared with what the source
/// holds under the same conditions, written independently by the test.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class RowFiltersAndColumnsEndToEndTests : IAsyncLifetime
{
    private readonly string _a = TestServers.UniqueName("rf_a");
    private readonly string _b = TestServers.UniqueName("rf_b");
    private string BDest => _b + "_dst";
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    // The conditions the test expects the destination to reflect, in the source's own SQL.
    private const string OrdersWhere = "region = 'eu' AND amount >= 10";
    private static readonly string[] OrdersColumns = ["id", "region", "amount", "created"];
    private static readonly string[] CustomerColumns = ["id", "name", "email"];
    private const string EventsWhere = "kind IN ('click', 'view') AND ts >= '2024-06-01'";

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_a}` CHARACTER SET utf8mb4; CREATE DATABASE `{_b}` CHARACTER SET utf8mb4");
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            SET time_zone = '+00:00';
            CREATE TABLE orders (
              id INT NOT NULL PRIMARY KEY,
              region VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL,
              amount DECIMAL(10,2) NOT NULL,
              created DATETIME(6) NOT NULL,
              secret VARCHAR(50),
              note TEXT,
              KEY by_region (region),
              KEY by_secret (secret, region)
            );
            INSERT INTO orders SELECT seq, ELT(1 + seq % 5, 'eu', 'EU', 'Eu ', 'us', 'apac'), (seq % 40) + 0.5,
              '2024-01-01' + INTERVAL seq MINUTE, CONCAT('s', seq), IF(seq % 7 = 0, NULL, CONCAT('n é ', seq))
              FROM seq_1_to_3000;
            CREATE TABLE customers (
              id BIGINT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, email VARCHAR(80) NOT NULL,
              password_hash BINARY(32) NOT NULL, notes TEXT,
              UNIQUE KEY by_email (email), KEY by_hash (password_hash)
            );
            INSERT INTO customers SELECT seq, CONCAT('name ', seq), CONCAT('c', seq, '@example.org'), UNHEX(SHA2(seq, 256)), 'private'
              FROM seq_1_to_500;
            CREATE TABLE tmp_scratch (id INT PRIMARY KEY, v INT);
            INSERT INTO tmp_scratch VALUES (1, 1);
            """, _a);
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            SET time_zone = '+00:00';
            CREATE TABLE events (
              id BIGINT NOT NULL PRIMARY KEY, kind ENUM('click', 'view', 'buy') NOT NULL, ts TIMESTAMP(3) NOT NULL,
              payload JSON
            );
            INSERT INTO events SELECT seq, ELT(1 + seq % 3, 'click', 'view', 'buy'), '2024-05-30 12:00:00' + INTERVAL seq HOUR,
              JSON_OBJECT('n', seq) FROM seq_1_to_400;
            """, _b);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        foreach (var db in new[] { _a, _b })
            await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{db}`");
        foreach (var db in new[] { _a, BDest })
            await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{db}`");
    }

    private object Body(string name, string src, string dst, object? filters = null, object? columns = null) => new
    {
        name, kind = "migration", sourceId = src, destinationId = dst,
        stages = new[] { "schema", "full", "incremental", "verify" },
        objects = new
        {
            include = new[] { new { database = _a, tables = new[] { "*" } }, new { database = _b, tables = new[] { "ev?nts" } } },
            exclude = new[] { new { database = _a, tables = new[] { "tmp_*" } } },
            rename = new Dictionary<string, string> { [_b] = BDest },
            filters = filters ?? new Dictionary<string, string>
            {
                [$"{_a}.orders"] = "region = 'eu' AND amount >= 10",
                [$"{_b}.events"] = "kind IN ('click', 'view') AND `ts` >= '2024-06-01'",
            },
            columns = columns ?? new Dictionary<string, string[]>
            {
                [$"{_a}.orders"] = OrdersColumns,
                [$"{_a}.customers"] = CustomerColumns,
            },
        },
        options = new { fullConcurrency = 3, verifyConcurrency = 2, latencyThresholdSeconds = 5 },
    };

    [Fact]
    public async Task Filters_and_column_subsets_hold_through_copy_incremental_and_verify()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", Body("rules", src, dst)))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var project = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring",
            TimeSpan.FromMinutes(3), "incremental to catch up");

        // The copy moved only the rows and columns the rules select.
        await AssertOrdersAsync(TimeSpan.Zero);
        var objects = (await _api.GetOkAsync($"/api/v1/projects/{id}/objects")).AsArray();
        Assert.Equal(new[] { $"{_a}.customers", $"{_a}.orders", $"{_b}.events" }.Order(),
            objects.Select(o => $"{o!["database"]}.{o["table"]}").Order());
        Assert.Equal(
            (await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, _a, "orders", OrdersColumns, OrdersWhere)).Count,
            Scenario.Stage(project, "full")["migratedRows"]!.GetValue<long>() - 500 -
            (await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, _b, "events", null, EventsWhere)).Count);
        Assert.Equal(OrdersColumns, await DestColumnsAsync(_a, "orders"));
        Assert.Equal(CustomerColumns, await DestColumnsAsync(_a, "customers"));
        // Indexes over left-out columns are gone; the others are kept (the secondary one built after the copy).
        Assert.Equal(["PRIMARY", "by_region"], await DestIndexesAsync(_a, "orders"));
        Assert.Equal(["PRIMARY", "by_email"], await DestIndexesAsync(_a, "customers"));
        Assert.False(await DestTableExistsAsync(_a, "tmp_scratch"));

        // Changes into, out of and within the filters, to left-out columns only, deletes and a key change.
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            SET time_zone = '+00:00';
            INSERT INTO orders VALUES (5001, 'EU', 99.99, '2025-01-01', 'x', 'in'), (5002, 'us', 99.99, '2025-01-01', 'x', 'out'),
                                      (5003, 'eu', 1.00, '2025-01-01', 'x', 'too small');
            UPDATE orders SET region = 'eu' WHERE id BETWEEN 100 AND 160 AND region = 'us';
            UPDATE orders SET region = 'us' WHERE id BETWEEN 200 AND 260 AND region IN ('eu', 'EU');
            UPDATE orders SET amount = amount + 100 WHERE id BETWEEN 300 AND 360;
            UPDATE orders SET secret = 'changed', note = 'only left-out columns' WHERE id BETWEEN 400 AND 460;
            UPDATE orders SET amount = 5 WHERE id BETWEEN 500 AND 520;
            DELETE FROM orders WHERE id BETWEEN 600 AND 640;
            UPDATE orders SET id = id + 100000 WHERE id BETWEEN 700 AND 720;
            START TRANSACTION;
            UPDATE orders SET region = 'EU', amount = 50 WHERE id = 2002;
            UPDATE orders SET region = 'apac' WHERE id = 2002;
            COMMIT;
            UPDATE customers SET name = CONCAT(name, ' ✓'), password_hash = UNHEX(SHA2('new', 256)), notes = NULL WHERE id <= 50;
            DELETE FROM customers WHERE id BETWEEN 51 AND 60;
            INSERT INTO customers VALUES (1000, 'new ☃', 'new@example.org', UNHEX(SHA2('n', 256)), 'x');
            """, _a);
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            SET time_zone = '+00:00';
            INSERT INTO events VALUES (1000, 'click', '2024-07-01 00:00:00.125', '{"new": 1}'), (1001, 'buy', '2024-07-01', NULL),
                                      (1002, 'view', '2024-01-01', NULL);
            UPDATE events SET kind = 'buy' WHERE id BETWEEN 100 AND 130;
            UPDATE events SET kind = 'click' WHERE id BETWEEN 131 AND 180 AND kind = 'buy';
            UPDATE events SET ts = '2020-01-01' WHERE id BETWEEN 300 AND 310;
            DELETE FROM events WHERE id BETWEEN 380 AND 400;
            """, _b);

        await AssertOrdersAsync(TimeSpan.FromSeconds(60));
        await AssertConvergesAsync(_a, "customers", _a, CustomerColumns, null, TimeSpan.FromSeconds(30));
        await AssertConvergesAsync(_b, "events", BDest, null, EventsWhere, TimeSpan.FromSeconds(30));

        var verified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed",
            TimeSpan.FromMinutes(2), "verification");
        var verify = Scenario.Stage(verified, "verify");
        Assert.Equal(3, verify["consistentTables"]!.GetValue<int>());
        Assert.Equal(0, verify["inconsistentTables"]!.GetValue<int>());

        // The rules of a migrated table cannot change any more: its rows were chosen by them.
        await _api.PostOkAsync($"/api/v1/projects/{id}/pause");
        var (status, problem) = await _api.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}",
            new { objects = ((JsonObject)JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Body("x", src, dst, new Dictionary<string, string> { [$"{_a}.orders"] = "amount > 1" })))!)["objects"] });
        Assert.Equal(409, status);
        Assert.Contains("orders", problem!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_filters_and_column_lists_are_refused_with_the_field_or_fail_the_project_with_the_cause()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);

        var (status, problem) = await _api.PostAsync("/api/v1/projects", Body("bad", src, dst,
            filters: new Dictionary<string, string>
            {
                [$"{_a}.orders"] = "amount > 1; DROP TABLE orders",
                [$"{_a}.customers"] = "SLEEP(5) = 0",
                ["nodot"] = "id = 1",
            },
            columns: new Dictionary<string, string[]> { [$"{_a}.customers"] = [] }));
        Assert.Equal(422, status);
        Assert.Equal("validation.failed", problem!["code"]!.GetValue<string>());
        var errors = problem["errors"]!.AsObject();
        Assert.Contains("';' is not allowed", errors[$"objects.filters.{_a}.orders"]![0]!.GetValue<string>());
        Assert.Contains("functions", errors[$"objects.filters.{_a}.customers"]![0]!.GetValue<string>());
        Assert.Contains("database.table", errors["objects.filters.nodot"]![0]!.GetValue<string>());
        Assert.Contains("at least one column", errors[$"objects.columns.{_a}.customers"]![0]!.GetValue<string>());

        // Only the schema can tell that a column subset lacks the key: the project fails, naming it, and nothing is created.
        var id = (await _api.PostOkAsync("/api/v1/projects", Body("nokey", src, dst,
            columns: new Dictionary<string, string[]> { [$"{_a}.orders"] = ["region", "amount"] })))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var failed = await scenario.WaitUntilAsync(id, p => Scenario.Status(p) == "Failed", "the project to fail");
        Assert.Equal("objects.columns-key", failed["error"]!["code"]!.GetValue<string>());
        Assert.Contains("id", failed["error"]!["message"]!.GetValue<string>());
        Assert.False(await DestTableExistsAsync(_a, "orders"));

        var unknown = (await _api.PostOkAsync("/api/v1/projects", Body("unknown", src, dst,
            filters: new Dictionary<string, string> { [$"{_a}.ordres"] = "id > 1" })))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{unknown}/start");
        failed = await scenario.WaitUntilAsync(unknown, p => Scenario.Status(p) == "Failed", "the project to fail");
        Assert.Equal("objects.unknown-table", failed["error"]!["code"]!.GetValue<string>());
        Assert.Contains("ordres", failed["error"]!["message"]!.GetValue<string>());

        var column = (await _api.PostOkAsync("/api/v1/projects", Body("column", src, dst,
            filters: new Dictionary<string, string> { [$"{_a}.orders"] = "regoin = 'eu'" })))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{column}/start");
        failed = await scenario.WaitUntilAsync(column, p => Scenario.Status(p) == "Failed", "the project to fail");
        Assert.Equal("objects.filter-invalid", failed["error"]!["code"]!.GetValue<string>());
        Assert.Contains("regoin", failed["error"]!["message"]!.GetValue<string>());
    }


    private Task AssertOrdersAsync(TimeSpan timeout) => AssertConvergesAsync(_a, "orders", _a, OrdersColumns, OrdersWhere, timeout);

    /// <summary>Waits until the destination table holds exactly the source rows and columns the conditions select.</summary>
    private static async Task AssertConvergesAsync(string db, string table, string destDb, IReadOnlyList<string>? columns, string? where, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var expected = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, db, table, columns, where);
            var actual = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, destDb, table);
            if (expected.SequenceEqual(actual)) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{db}.{table}: expected {expected.Count} rows, destination has {actual.Count}\n" +
                            $"missing: {string.Join("\n  ", expected.Except(actual).Take(3))}\nextra: {string.Join("\n  ", actual.Except(expected).Take(3))}");
            await Task.Delay(250);
        }
    }

    private static async Task<List<string>> DestColumnsAsync(string db, string table) =>
        await ListAsync("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION", db, table);

    private static async Task<List<string>> DestIndexesAsync(string db, string table) =>
        await ListAsync("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME", db, table);

    private static async Task<bool> DestTableExistsAsync(string db, string table) =>
        (await ListAsync("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t", db, table)).Count > 0;

    private static async Task<List<string>> ListAsync(string sql, string db, string table)
    {
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbDest);
        await using var cmd = new MySqlCommand(sql, c);
        cmd.Parameters.AddWithValue("@d", db);
        cmd.Parameters.AddWithValue("@t", table);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }
}
