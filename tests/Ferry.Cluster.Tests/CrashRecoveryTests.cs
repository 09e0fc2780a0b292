using Ferry.TestSupport;

namespace Ferry.Cluster.Tests;

/// <summary>Faults while a project runs: SIGKILL of the node, a cut binlog connection. Nothing lost, nothing doubled.</summary>
[Collection(E2ECollection.Name)]
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("e2e_crash");
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "crash-admin-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
    }

    [Fact]
    public async Task Killed_during_full_copy_and_during_incremental_the_project_finishes_with_equal_data()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE big (id INT PRIMARY KEY, grp INT NOT NULL, payload VARCHAR(255) NOT NULL, n BIGINT NOT NULL);
            INSERT INTO big SELECT seq, seq % 1000, REPEAT(CHAR(65 + seq % 26), 200), 0 FROM seq_1_to_400000;
            CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, account INT NOT NULL, delta DECIMAL(12,2) NOT NULL, at DATETIME(6) NOT NULL);
            """, _db);
        await _node.StartAsync();
        using var api = new FerryClient(_node.BaseAddress, _node.AdminKey);
        var scenario = new Scenario(api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("crash", src, dst, _db)))["id"]!.GetValue<string>();
        await api.PostOkAsync($"/api/v1/projects/{id}/start");

        // Changes keep coming from before the copy until after the second crash.
        using var stopLoad = new CancellationTokenSource();
        var load = Task.Run(() => LoadAsync(stopLoad.Token));

        var copying = await scenario.WaitAsync(id, p => Scenario.Stage(p, "full")["migratedRows"]?.GetValue<long>() > 0, TimeSpan.FromMinutes(2), "the full copy to start");
        _node.Kill();
        Assert.Equal("Running", Scenario.Status(Scenario.Stage(copying, "full")));
        Assert.True(Scenario.Stage(copying, "full")["migratedRows"]!.GetValue<long>() < 400_000, "the copy had already finished before the kill");

        // The restarted node listens on the same port, so the same client talks to it.
        await _node.StartAsync();
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) is "Running" or "Monitoring",
            TimeSpan.FromMinutes(3), "the full copy to finish after the restart");
        await Task.Delay(1500);
        _node.Kill();
        await Task.Delay(500);
        await _node.StartAsync();
        await Task.Delay(1000);
        await stopLoad.CancelAsync();
        var changes = await load;
        Assert.True(changes > 20, $"the load made only {changes} transactions");

        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "catch-up");
        await Scenario.AssertConvergesAsync(_db, ["big", "ledger"], TimeSpan.FromSeconds(90));
        var project = await scenario.GetProjectAsync(id);
        Assert.Equal("Completed", Scenario.Status(Scenario.Stage(project, "full")));
        Assert.Equal("Running", Scenario.Status(project));
    }

    /// <summary>Transactions that would show a lost or doubled change: appends, relative updates, deletes.</summary>
    private async Task<int> LoadAsync(CancellationToken ct)
    {
        var count = 0;
        var rnd = new Random(7);
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbSource, _db);
        while (!ct.IsCancellationRequested && count < 5000)
        {
            var a = rnd.Next(1, 400_000);
            var sql = (count % 4) switch
            {
                0 => $"START TRANSACTION; INSERT INTO ledger (account, delta, at) VALUES ({a % 50}, 1.50, NOW(6)), ({a % 50}, -0.25, NOW(6)); UPDATE big SET n = n + 1 WHERE id = {a}; COMMIT",
                1 => $"UPDATE big SET n = n + 1, payload = CONCAT('u', {count}) WHERE grp = {a % 1000} AND id < 20000",
                2 => $"DELETE FROM big WHERE id = {a}",
                _ => $"INSERT INTO big VALUES ({400_000 + count}, 1, 'new', {count})",
            };
            await using (var cmd = new MySqlConnector.MySqlCommand(sql, c)) await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            count++;
            await Task.Delay(5, CancellationToken.None);
        }
        return count;
    }

    [Fact]
    public async Task A_lost_binlog_connection_is_retried_from_the_checkpoint_without_failing_the_project()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, "CREATE TABLE small (id INT PRIMARY KEY, v INT NOT NULL); INSERT INTO small SELECT seq, 0 FROM seq_1_to_100", _db);
        await _node.StartAsync();
        using var api = new FerryClient(_node.BaseAddress, _node.AdminKey);
        var scenario = new Scenario(api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var body = Scenario.MigrationBody("blip", src, dst, _db, ["schema", "full", "incremental"]);
        var id = (await api.PostOkAsync("/api/v1/projects", body))["id"]!.GetValue<string>();
        await api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");

        for (var round = 1; round <= 2; round++)
        {
            await KillBinlogDumpsAsync();
            await TestServers.ExecAsync(TestServers.MariaDbSource, $"UPDATE small SET v = v + {round}; INSERT INTO small VALUES ({1000 + round}, {round})", _db);
        }
        await Scenario.AssertConvergesAsync(_db, ["small"], TimeSpan.FromSeconds(60));
        var project = await scenario.GetProjectAsync(id);
        Assert.Equal("Running", Scenario.Status(project));
        var events = await api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000");
        Assert.Contains(events["items"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "component-retry");
    }

    /// <summary>Ends every binlog dump session on the source, as a network cut or a source restart would.</summary>
    private static async Task KillBinlogDumpsAsync()
    {
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbSource);
        var ids = new List<long>();
        // After a previous cut the writer is reconnecting: wait for its new session.
        for (var wait = 0; ids.Count == 0 && wait < 120; wait++)
        {
            if (wait > 0) await Task.Delay(250);
            await using var cmd = new MySqlConnector.MySqlCommand("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'", c);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) ids.Add(Convert.ToInt64(r.GetValue(0)));
        }
        Assert.NotEmpty(ids);
        foreach (var id in ids)
        {
            await using var kill = new MySqlConnector.MySqlCommand($"KILL {id}", c);
            try { await kill.ExecuteNonQueryAsync(); } catch (MySqlConnector.MySqlException) { /* already gone */ }
        }
    }
}
