using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.MySql.Binlog;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>The fixture others build on: a restart keeps data and binlog, and a dump resumes across it.</summary>
public sealed class PrivateMariaDbTests
{
    [Fact]
    public async Task A_restart_keeps_data_and_binlog_and_a_dump_resumes_across_it()
    {
        await using var server = await PrivateMariaDb.StartAsync(["max_connections=50"]);
        var connection = new ConnectionInfo(EngineKind.MariaDb, server.Host, server.Port, server.User, server.Password);
        await TestServers.ExecAsync(server.ConnectionString, "CREATE DATABASE r; CREATE TABLE r.t (id INT PRIMARY KEY)");
        var source = new MySqlChangeSource(connection, 4343);
        var start = await source.GetCurrentPositionAsync(CancellationToken.None);
        await TestServers.ExecAsync(server.ConnectionString, "INSERT INTO r.t VALUES (1)");

        await server.RestartAsync();
        Assert.Equal(1L, Convert.ToInt64(await TestDatabases.ScalarAsync(server.ConnectionString, "r", "SELECT COUNT(*) FROM t")));
        Assert.Equal("50", Convert.ToString(await TestDatabases.ScalarAsync(server.ConnectionString, "r", "SELECT @@max_connections")));
        await TestServers.ExecAsync(server.ConnectionString, "INSERT INTO r.t VALUES (2)");

        await server.KillAsync();
        await server.StartAgainAsync();
        await TestServers.ExecAsync(server.ConnectionString, "INSERT INTO r.t VALUES (3)");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ids = new List<object?>();
        await foreach (var e in source.ReadAsync(start, t => t.Database == "r", cts.Token))
        {
            if (e is TransactionEvent t) ids.AddRange(t.Rows.Select(r => r.After![0]));
            if (ids.Count >= 3) break;
        }
        Assert.Equal([1L, 2L, 3L], ids);
        var directory = server.Directory;
        await server.DisposeAsync();
        Assert.False(Directory.Exists(directory));
    }
}
