using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;

namespace Ferry.Api.Tests;

/// <summary>
/// Many-to-one: sharded source tables renamed into one destination table, through copy, incremental and
/// verify; a table of another shape is refused for that target; colliding keys and DDL on a shard are caught.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class AggregationEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("shards");
    private string DestDb => _db + "_all";
    private string Union => _db + "_union";
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4; CREATE DATABASE `{Union}`");
        var sql = new System.Text.StringBuilder("SET time_zone = '+00:00';");
        for (var shard = 1; shard <= 3; shard++)
            sql.Append($"""
                CREATE TABLE orders_{shard} (id BIGINT NOT NULL PRIMARY KEY, customer VARCHAR(30) NOT NULL, amount DECIMAL(10,2), at TIMESTAMP(6) NULL, KEY by_customer (customer));
                INSERT INTO orders_{shard} SELECT {shard} * 1000000 + seq, CONCAT('c', seq % 17, ' ü'), seq / 4, '2024-01-01' + INTERVAL seq MINUTE FROM seq_1_to_{1500 * shard};
                """);
        sql.Append("CREATE TABLE orders_misfit (id BIGINT NOT NULL PRIMARY KEY, customer VARCHAR(30) NOT NULL);");
        await TestServers.ExecAsync(TestServers.MariaDbSource, sql.ToString(), _db);
        // What the destination must hold, written by the test in the source's own SQL.
        await TestServers.ExecAsync(TestServers.MariaDbSource,
            $"CREATE VIEW all_orders AS SELECT * FROM `{_db}`.orders_1 UNION ALL SELECT * FROM `{_db}`.orders_2 UNION ALL SELECT * FROM `{_db}`.orders_3", Union);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`; DROP DATABASE IF EXISTS `{Union}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{DestDb}`");
    }

    [Fact]
    public async Task Shards_aggregate_into_one_table_and_stay_equal_to_their_union()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var rename = new Dictionary<string, string> { [_db] = DestDb };
        foreach (var t in new[] { "orders_1", "orders_2", "orders_3", "orders_misfit" }) rename[$"{_db}.{t}"] = $"{DestDb}.orders";
        var id = (await _api.PostOkAsync("/api/v1/projects", new
        {
            name = "shards", kind = "migration", sourceId = src, destinationId = dst,
            stages = new[] { "schema", "full", "incremental", "verify" },
            objects = new { include = new[] { new { database = _db, tables = new[] { "orders_*" } } }, rename },
            options = new { fullConcurrency = 3, verifyConcurrency = 2, latencyThresholdSeconds = 5 },
        }))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");

        // A table of another shape cannot share the destination table; the operator takes it out.
        var failed = await scenario.WaitUntilAsync(id, p => Scenario.Status(p) == "Failed", "the misfit to fail the schema stage");
        Assert.Contains("orders_misfit", failed["error"]!["message"]!.GetValue<string>());
        Assert.Contains("columns differ", failed["error"]!["message"]!.GetValue<string>());
        await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_db}.orders_misfit/remove");

        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        await AssertUnionAsync(TimeSpan.Zero);

        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            SET time_zone = '+00:00';
            INSERT INTO orders_1 VALUES (1900001, 'new one', 1.5, NOW(6));
            INSERT INTO orders_3 VALUES (3900001, 'new three', NULL, NULL);
            UPDATE orders_2 SET amount = amount * 2, customer = 'changed' WHERE id % 5 = 0;
            DELETE FROM orders_3 WHERE id % 7 = 0;
            UPDATE orders_1 SET id = id + 500000 WHERE id BETWEEN 1000001 AND 1000020;
            """, _db);
        await AssertUnionAsync(TimeSpan.FromSeconds(60));
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed", TimeSpan.FromMinutes(2), "verify");
        // Verified again now that the changes are in: every shard compares with the whole destination table.
        await _api.PostOkAsync($"/api/v1/projects/{id}/verification/reverify", new { scope = "all" });
        var verified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed", TimeSpan.FromMinutes(2), "reverify");
        Assert.Equal(3, Scenario.Stage(verified, "verify")["consistentTables"]!.GetValue<int>());
        var verification = (await _api.GetOkAsync($"/api/v1/projects/{id}/verification")).AsArray();
        var expectedRows = (await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, Union, "all_orders")).Count;
        Assert.All(verification, v => Assert.Equal(expectedRows, v!["destRows"]!.GetValue<long>()));

        // A key in two shards: the destination can hold one row; verification reports it.
        await TestServers.ExecAsync(TestServers.MariaDbSource, "INSERT INTO orders_2 VALUES (1000100, 'collides with shard 1', 0, NULL)", _db);
        await Task.Delay(1500);
        await _api.PostOkAsync($"/api/v1/projects/{id}/verification/reverify", new { scope = "all" });
        var reverified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed", TimeSpan.FromMinutes(2), "reverify");
        Assert.Equal(3, Scenario.Stage(reverified, "verify")["inconsistentTables"]!.GetValue<int>());
        verification = (await _api.GetOkAsync($"/api/v1/projects/{id}/verification")).AsArray();
        Assert.All(verification, v => Assert.Equal(1, v!["mismatches"]!.GetValue<long>()));

        // DDL on one shard would change the others' rows too: it stops the writer for an operator.
        await TestServers.ExecAsync(TestServers.MariaDbSource, "ALTER TABLE orders_2 ADD COLUMN note TEXT", _db);
        var stopped = await scenario.WaitUntilAsync(id, p => Scenario.Status(p) == "Failed", "the DDL to stop the writer");
        var ddl = (await _api.GetOkAsync($"/api/v1/projects/{id}/ddl")).AsArray();
        Assert.Contains("ADD COLUMN note", ddl.Last()!["statement"]!.GetValue<string>());
        Assert.Contains("aggregated", stopped["error"]!["message"]!.GetValue<string>());
    }

    private async Task AssertUnionAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var expected = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, Union, "all_orders");
            var actual = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, DestDb, "orders");
            if (expected.SequenceEqual(actual)) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"expected {expected.Count} rows, destination has {actual.Count}; missing: {string.Join("; ", expected.Except(actual).Take(3))}; extra: {string.Join("; ", actual.Except(expected).Take(3))}");
            await Task.Delay(250);
        }
    }

}
