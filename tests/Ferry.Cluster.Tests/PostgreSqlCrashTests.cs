using Ferry.PostgreSql.Replication;
using Ferry.TestSupport;
using Npgsql;

namespace Ferry.Cluster.Tests;

/// <summary>
/// A PostgreSQL → PostgreSQL project whose node is SIGKILLed twice while changes stream under load: the
/// slot keeps what the destination had not committed, the writer resumes from its checkpoint, and the
/// destination ends equal to the source — nothing lost, nothing doubled (relative updates and appends
/// would show either).
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class PostgreSqlCrashTests : IAsyncLifetime
{
    private readonly string _schema = TestServers.UniqueName("pgcrash").ToLowerInvariant();
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "crash-admin-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => PgSql.ExecAsync(TestServers.PgSource, $"""
        CREATE SCHEMA "{_schema}";
        CREATE TABLE "{_schema}".accounts (id int PRIMARY KEY, balance numeric(14,2) NOT NULL, touched int NOT NULL);
        INSERT INTO "{_schema}".accounts SELECT g, 100, 0 FROM generate_series(1, 20000) g;
        CREATE TABLE "{_schema}".ledger (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account int NOT NULL, delta numeric(12,2) NOT NULL);
        """);

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await PgSql.ExecAsync(TestServers.PgSource, $"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await PgSql.ExecAsync(TestServers.PgDest, $"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
    }

    [Fact]
    public async Task Killed_twice_during_incremental_the_destination_ends_equal_and_release_drops_the_slot()
    {
        await _node.StartAsync();
        using var api = new FerryClient(_node.BaseAddress, _node.AdminKey);
        var scenario = new Scenario(api);
        async Task<string> DataSource(string name, string cs)
        {
            var b = new NpgsqlConnectionStringBuilder(cs);
            return (await api.PostOkAsync("/api/v1/datasources", new { name, type = "postgresql", host = b.Host, port = b.Port, user = b.Username, password = b.Password }))["id"]!.GetValue<string>();
        }
        var id = (await api.PostOkAsync("/api/v1/projects",
            Scenario.MigrationBody("pg-crash", await DataSource("src", TestServers.PgSource), await DataSource("dst", TestServers.PgDest), _schema,
                ["schema", "full", "incremental"])))["id"]!.GetValue<string>();
        await api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(3), "incremental");

        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => LoadAsync(stop.Token));
        for (var kill = 0; kill < 2; kill++)
        {
            await Task.Delay(1500);
            _node.Kill();
            await Task.Delay(700);
            await _node.StartAsync();
        }
        await Task.Delay(1000);
        await stop.CancelAsync();
        Assert.True(await load > 50, "the load made too few transactions");

        foreach (var (table, order) in new[] { ("accounts", "id"), ("ledger", "id") })
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (true)
            {
                var expected = await PgSql.RowsAsync(TestServers.PgSource, _schema, table, order);
                var actual = await PgSql.RowsAsync(TestServers.PgDest, _schema, table, order);
                if (expected.SequenceEqual(actual)) break;
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"{table}: source {expected.Count} rows, destination {actual.Count}: {expected.Except(actual).FirstOrDefault()} / {actual.Except(expected).FirstOrDefault()}");
                await Task.Delay(300);
            }
        }
        Assert.Equal("Running", Scenario.Status(await scenario.GetProjectAsync(id)));
        await api.PostOkAsync($"/api/v1/projects/{id}/release");
        Assert.Equal(0L, await PgSql.ScalarAsync(TestServers.PgSource,
            $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{PgReplicationNames.For($"{id}/forward")}'"));
    }

    /// <summary>Relative updates and appends in transactions: a lost or doubled change shows in the totals.</summary>
    private async Task<int> LoadAsync(CancellationToken ct)
    {
        var count = 0;
        var rnd = new Random(11);
        await using var c = new NpgsqlConnection(TestServers.PgSource);
        await c.OpenAsync(CancellationToken.None);
        while (!ct.IsCancellationRequested && count < 5000)
        {
            var a = rnd.Next(1, 20_000);
            var sql = count % 3 == 0
                ? $"BEGIN; UPDATE \"{_schema}\".accounts SET balance = balance - 1.25, touched = touched + 1 WHERE id = {a}; INSERT INTO \"{_schema}\".ledger (account, delta) VALUES ({a}, -1.25); COMMIT"
                : count % 3 == 1
                    ? $"UPDATE \"{_schema}\".accounts SET touched = touched + 1 WHERE id % 500 = {a % 500}"
                    : $"DELETE FROM \"{_schema}\".ledger WHERE id = (SELECT min(id) FROM \"{_schema}\".ledger)";
            await using (var cmd = new NpgsqlCommand(sql, c)) await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            count++;
            await Task.Delay(5, CancellationToken.None);
        }
        return count;
    }
}
