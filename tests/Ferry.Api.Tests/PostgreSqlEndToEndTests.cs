using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.PostgreSql.Replication;
using Ferry.TestSupport;
using Npgsql;

namespace Ferry.Api.Tests;

/// <summary>
/// PostgreSQL → PostgreSQL through the REST API: schema, binary-COPY full copy, pgoutput incremental
/// (including an update that leaves a TOASTed value unchanged) and verify, compared row by row in each
/// server's own text; release drops the replication slot and the publication.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PostgreSqlEndToEndTests : IAsyncLifetime
{
    private readonly string _schema = TestServers.UniqueName("pgsql_e2e").ToLowerInvariant();
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    public async Task InitializeAsync()
    {
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            CREATE SCHEMA "{_schema}";
            SET search_path = "{_schema}";
            CREATE TABLE items (
              id bigint PRIMARY KEY, i2 smallint, i4 integer, n numeric(38,10), nx numeric, r real, d double precision, b boolean,
              t text, vc varchar(40), c char(5), by bytea, dt date, ts timestamp(3), tz timestamptz, tm time, iv interval,
              u uuid, j json, jb jsonb, ip inet, arr integer[], big text
            );
            INSERT INTO items
            SELECT g, (g % 32767)::smallint, g * 1000, g / 7.0, g * 1.5, g / 3.0, g / 9.0, g % 2 = 0,
                   'text ü 😀 ' || g, 'vc' || g, 'c' || (g % 10), decode(lpad(to_hex(g), 8, '0'), 'hex'),
                   date '2024-01-01' + g, timestamp '2024-01-01 00:00:00.123' + g * interval '1 minute',
                   timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', time '00:00' + g * interval '1 second',
                   g * interval '1 day 2 hours', md5(g::text)::uuid, json_build_object('g', g), jsonb_build_object('g', g, 'a', array[1, 2]),
                   ('10.0.' || (g % 250) || '.1')::inet, array[g, g + 1],
                   CASE WHEN g % 50 = 0 THEN repeat(md5(g::text), 4000) END
            FROM generate_series(1, 3000) g;
            INSERT INTO items (id, n, nx, r, d, t, tz) VALUES (0, -12345678901234567890.0123456789, 1e-30, 'Infinity', '-Infinity', '', '-infinity');
            CREATE TABLE orders (customer int NOT NULL, no int NOT NULL, amount numeric(12,2), PRIMARY KEY (customer, no));
            INSERT INTO orders SELECT g % 13, g, g * 1.25 FROM generate_series(1, 2000) g;
            """);
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        await PgSql.ExecAsync(TestServers.PgSource, $"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await PgSql.ExecAsync(TestServers.PgDest, $"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
    }

    private async Task<string> DataSourceAsync(string name, string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        var ds = await _api.PostOkAsync("/api/v1/datasources", new { name, type = "postgresql", host = b.Host, port = b.Port, user = b.Username, password = b.Password, database = b.Database });
        return ds["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_PostgreSql_migration_copies_streams_verifies_and_releases_its_slot()
    {
        var scenario = new Scenario(_api);
        var src = await DataSourceAsync("pg-source", TestServers.PgSource);
        var dst = await DataSourceAsync("pg-dest", TestServers.PgDest);
        var test = await _api.PostOkAsync($"/api/v1/datasources/{src}/test");
        Assert.True(test["ok"]!.GetValue<bool>(), test.ToJsonString());
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("pg", src, dst, _schema)))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        var project = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        Assert.Equal(5001, Scenario.Stage(project, "full")["migratedRows"]!.GetValue<long>());
        var slot = PgReplicationNames.For($"{id}/forward");
        Assert.Equal(1L, await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"));
        await AssertConvergesAsync(TimeSpan.Zero);

        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_schema}";
            INSERT INTO items (id, t, jb, big) VALUES (9001, 'new', jsonb_build_object('new', true), repeat('x', 100000));
            -- the big (TOASTed) value is not touched: the change carries no value for it, and it must stay
            UPDATE items SET t = 'toast kept ' || id WHERE id % 50 = 0;
            UPDATE items SET n = -n, tz = tz + interval '1 day', arr = arr || 99 WHERE id BETWEEN 100 AND 200;
            DELETE FROM items WHERE id BETWEEN 300 AND 320;
            BEGIN;
            UPDATE orders SET no = no + 100000 WHERE customer = 3;
            DELETE FROM orders WHERE customer = 4;
            INSERT INTO orders VALUES (99, 1, 0.01);
            COMMIT;
            """);
        await AssertConvergesAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0L, await PgSql.ScalarAsync(TestServers.PgDest, $"SELECT count(*) FROM \"{_schema}\".items WHERE id % 50 = 0 AND big IS NULL AND id BETWEEN 1 AND 3000"));
        var verified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed", TimeSpan.FromMinutes(2), "verify");
        Assert.Equal(2, Scenario.Stage(verified, "verify")["consistentTables"]!.GetValue<int>());

        await _api.PostOkAsync($"/api/v1/projects/{id}/release");
        var warnings = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "release-warning").Select(e => e!["message"]!.GetValue<string>()).ToList();
        Assert.Empty(warnings);
        var left = await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'");
        Assert.True(0L.Equals(left), $"slot {slot} still there: active {await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT active::text || ' ' || coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = '{slot}'")}\n" +
            string.Join("\n", _node.Log.Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("rror")).TakeLast(20)));
        Assert.Equal(0L, await PgSql.ScalarAsync(TestServers.PgSource, $"SELECT count(*) FROM pg_publication WHERE pubname = '{slot}'"));
    }

    [Fact]
    public async Task A_row_filter_holds_although_PostgreSql_logs_no_old_row_for_updates_and_only_the_key_for_deletes()
    {
        var scenario = new Scenario(_api);
        var src = await DataSourceAsync("pg-source", TestServers.PgSource);
        var dst = await DataSourceAsync("pg-dest", TestServers.PgDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", new
        {
            name = "pg-filter", kind = "migration", sourceId = src, destinationId = dst, stages = new[] { "schema", "full", "incremental" },
            objects = new
            {
                include = new[] { new { database = _schema, tables = new[] { "orders" } } },
                filters = new Dictionary<string, string> { [$"{_schema}.orders"] = "amount >= 1000" },
            },
            options = new { latencyThresholdSeconds = 5 },
        }))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");
        const string where = "amount >= 1000";
        await AssertFilteredAsync(where, TimeSpan.Zero);
        await PgSql.ExecAsync(TestServers.PgSource, $"""
            SET search_path = "{_schema}";
            UPDATE orders SET amount = 5 WHERE no BETWEEN 1000 AND 1100;        -- leave the filter (no old row is logged)
            UPDATE orders SET amount = 5000 WHERE no BETWEEN 10 AND 60;         -- enter it
            UPDATE orders SET amount = amount + 1 WHERE no BETWEEN 1500 AND 1510; -- stay inside
            DELETE FROM orders WHERE no BETWEEN 1900 AND 1950;                  -- deletes log only the key
            UPDATE orders SET no = no + 500000 WHERE no BETWEEN 1800 AND 1810;  -- key change inside
            """);
        await AssertFilteredAsync(where, TimeSpan.FromSeconds(60));
        await _api.PostOkAsync($"/api/v1/projects/{id}/release");
    }

    private async Task AssertFilteredAsync(string where, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var expected = await PgSql.RowsAsync(TestServers.PgSource, _schema, "orders", "customer, no", where);
            var actual = await PgSql.RowsAsync(TestServers.PgDest, _schema, "orders", "customer, no");
            if (expected.SequenceEqual(actual)) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"orders: expected {expected.Count} rows, destination {actual.Count}; {expected.Except(actual).FirstOrDefault()} / {actual.Except(expected).FirstOrDefault()}");
            await Task.Delay(250);
        }
    }

    private async Task AssertConvergesAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var (table, order) in new[] { ("items", "id"), ("orders", "customer, no") })
        {
            while (true)
            {
                var expected = await PgSql.RowsAsync(TestServers.PgSource, _schema, table, order);
                var actual = await PgSql.RowsAsync(TestServers.PgDest, _schema, table, order);
                if (expected.SequenceEqual(actual)) break;
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"{table}: source {expected.Count} rows, destination {actual.Count}; first difference: " +
                                $"{expected.Except(actual).FirstOrDefault()} / {actual.Except(expected).FirstOrDefault()}");
                await Task.Delay(250);
            }
        }
    }
}
