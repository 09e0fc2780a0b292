using Ferry.Api.Tests.Support;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.Api.Tests;

/// <summary>The source server restarts while rows stream: the writer retries from its checkpoint and the project keeps running.</summary>
[Collection(E2ECollection.Name)]
public sealed class SourceRestartEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("e2e_restart");
    private PrivateMariaDb _source = null!;
    private FerryNode _node = null!;
    private FerryClient _api = null!;

    public async Task InitializeAsync()
    {
        _source = await PrivateMariaDb.StartAsync();
        await TestServers.ExecAsync(_source.ConnectionString, $"CREATE DATABASE `{_db}`");
        await TestServers.ExecAsync(_source.ConnectionString, """
            CREATE TABLE events (id INT PRIMARY KEY, writer INT NOT NULL, payload VARCHAR(40) NOT NULL, at DATETIME(6) NOT NULL);
            INSERT INTO events SELECT seq, 0, CONCAT('seed ', seq), '2025-01-01' + INTERVAL seq SECOND FROM seq_1_to_2000;
            """, _db);
        _node = new FerryNode(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        if (_node is not null) await _node.DisposeAsync();
        if (_source is not null) await _source.DisposeAsync();
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
    }

    [Fact]
    public async Task A_source_restarted_while_rows_stream_leaves_the_project_running_and_the_destination_equal()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("throwaway", _source.ConnectionString);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("restart", src, dst, _db, ["schema", "full", "incremental"])))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");

        // A client keeps writing through the restart, waiting out the time the server is away.
        using var stop = new CancellationTokenSource();
        var next = 10_000;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var n = Interlocked.Increment(ref next);
                    await TestServers.ExecAsync(_source.ConnectionString, $"INSERT INTO events VALUES ({n}, 1, 'row {n}', UTC_TIMESTAMP(6)); " +
                                            $"UPDATE events SET payload = 'touched {n}' WHERE id = {n % 2000 + 1}; " +
                                            $"DELETE FROM events WHERE id = {n - 5}", _db);
                }
                catch (MySqlException) { await Task.Delay(100); }
                await Task.Delay(20);
            }
        });

        await Task.Delay(2000);
        await _source.StopAsync();
        await Task.Delay(3000);
        await _source.StartAgainAsync();
        await Task.Delay(3000);
        await stop.CancelAsync();
        await load;
        Assert.True(next > 10_050, $"the load wrote too little ({next - 10_000} transactions)");

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var s = await MySqlTableComparer.ReadCanonicalRowsAsync(_source.ConnectionString, _db, "events");
            var d = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, _db, "events");
            if (s.SequenceEqual(d)) break;
            await Task.Delay(500);
        }
        await MySqlTableComparer.AssertEqualAsync(_source.ConnectionString, TestServers.MariaDbDest, _db, "events");
        var project = await scenario.GetProjectAsync(id);
        Assert.Equal("Running", Scenario.Status(project));
        var events = (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray();
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "component-retry");
    }
}
