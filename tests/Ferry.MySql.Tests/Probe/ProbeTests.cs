using Ferry.Engine.Connections;
using Ferry.MySql.Probe;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Probe;

public sealed class ProbeTests
{
    private static ProbeCheck Check(ProbeResult result, string name) => Assert.Single(result.Checks, c => c.Name == name);

    [Fact]
    public async Task Good_source_passes_every_check()
    {
        var result = await MySqlProbe.TestAsync(TestDatabases.Source, asSource: true, default);
        Assert.True(result.Ok, string.Join("\n", result.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Contains("MariaDB", result.ServerVersion);
        foreach (var name in new[] { "reachable", "credentials", "version", "binlog", "binlog_format", "binlog_row_image", "binlog_row_metadata", "replication_privileges", "server_id" })
            Assert.True(Check(result, name).Ok, name);
    }

    [Fact]
    public async Task Good_destination_passes_every_check()
    {
        var result = await new MySqlFamilyConnector().TestAsync(TestDatabases.Dest, asSource: false, default);
        Assert.True(result.Ok, string.Join("\n", result.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")));
        Assert.True(Check(result, "write_privileges").Ok);
        Assert.True(Check(result, "local_infile").Ok);
    }

    [Fact]
    public async Task Wrong_password_fails_credentials_without_revealing_it()
    {
        const string password = "Wr0ng-Secret-Pa55word";
        var result = await MySqlProbe.TestAsync(TestDatabases.Source with { Password = password }, asSource: true, default);
        Assert.False(result.Ok);
        Assert.True(Check(result, "reachable").Ok);
        var credentials = Check(result, "credentials");
        Assert.False(credentials.Ok);
        Assert.Contains("root", credentials.Detail);
        Assert.Contains("password", credentials.Detail);
        Assert.All(result.Checks, c => Assert.DoesNotContain(password, c.Detail));
        Assert.All(result.Checks, c => Assert.DoesNotContain(TestServers.Password, c.Detail));
    }

    [Fact]
    public async Task Closed_port_fails_reachable_naming_the_endpoint()
    {
        var result = await MySqlProbe.TestAsync(TestDatabases.Source with { Port = 1 }, asSource: true, default);
        Assert.False(result.Ok);
        var reachable = Check(result, "reachable");
        Assert.False(reachable.Ok);
        Assert.Contains("127.0.0.1:1", reachable.Detail);
        Assert.DoesNotContain(result.Checks, c => c.Name == "credentials");
    }

    [Fact]
    public async Task User_without_replication_privileges_fails_that_check()
    {
        var user = TestServers.UniqueName("noreplica");
        const string password = "n0-Repl1cation";
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; GRANT SELECT ON *.* TO '{user}'@'%';");
        try
        {
            var result = await MySqlProbe.TestAsync(TestDatabases.Source with { User = user, Password = password }, asSource: true, default);
            Assert.False(result.Ok);
            Assert.True(Check(result, "credentials").Ok);
            var privileges = Check(result, "replication_privileges");
            Assert.False(privileges.Ok);
            Assert.Contains("GRANT REPLICATION SLAVE", privileges.Detail);
            Assert.True(Check(result, "binlog").Ok);
        }
        finally
        {
            await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP USER IF EXISTS '{user}'@'%'");
        }
    }

    [Fact]
    public void Server_ids_are_stable_and_in_range()
    {
        var a = MySqlFamilyConnector.ServerIdFor("p-1/forward");
        Assert.Equal(a, MySqlFamilyConnector.ServerIdFor("p-1/forward"));
        Assert.NotEqual(a, MySqlFamilyConnector.ServerIdFor("p-1/reverse"));
        Assert.InRange(a, MySqlFamilyConnector.MinServerId, MySqlFamilyConnector.MaxServerId);
    }
}
