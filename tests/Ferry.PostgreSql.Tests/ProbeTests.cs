using Ferry.PostgreSql.Probe;

namespace Ferry.PostgreSql.Tests;

public sealed class ProbeTests
{
    [Fact]
    public async Task A_good_source_passes_every_check()
    {
        var result = await PostgreSqlProbe.TestAsync(PgTestServers.Source, asSource: true, CancellationToken.None);
        Assert.True(result.Ok, string.Join("; ", result.Checks.Select(c => $"{c.Name}={c.Ok}: {c.Detail}")));
        Assert.Contains("PostgreSQL 15", result.ServerVersion);
        foreach (var name in new[] { "reachable", "credentials", "version", "wal_level", "replication_role", "replication_slots", "publication_rights" })
            Assert.Contains(result.Checks, c => c.Name == name && c.Ok);
    }

    [Fact]
    public async Task A_good_destination_may_create_schemas()
    {
        var result = await PostgreSqlProbe.TestAsync(PgTestServers.Dest, asSource: false, CancellationToken.None);
        Assert.True(result.Ok);
        Assert.Contains(result.Checks, c => c.Name == "write_privileges" && c.Ok);
    }

    [Fact]
    public async Task A_wrong_password_fails_credentials_without_printing_it()
    {
        var info = PgTestServers.Source with { Password = "not-the-password-1234" };
        var result = await PostgreSqlProbe.TestAsync(info, asSource: true, CancellationToken.None);
        Assert.False(result.Ok);
        var check = Assert.Single(result.Checks, c => c.Name == "credentials");
        Assert.False(check.Ok);
        Assert.Contains("password", check.Detail);
        Assert.DoesNotContain("not-the-password-1234", string.Join(" ", result.Checks.Select(c => c.Detail)));
    }

    [Fact]
    public async Task A_closed_port_fails_reachability()
    {
        var info = PgTestServers.Source with { Port = 1 };
        var result = await PostgreSqlProbe.TestAsync(info, asSource: true, CancellationToken.None);
        Assert.False(result.Ok);
        var check = Assert.Single(result.Checks);
        Assert.Equal("reachable", check.Name);
        Assert.Contains("127.0.0.1:1", check.Detail);
    }

    [Fact]
    public async Task Sessions_with_a_wrong_password_fail_with_a_stable_code()
    {
        var source = new Snapshot.PostgreSqlSnapshotSource(PgTestServers.Source with { Password = "wrong-password-5678" });
        var e = await Assert.ThrowsAsync<Ferry.Engine.Errors.FerryException>(() => source.ListDatabasesAsync(CancellationToken.None));
        Assert.Equal("datasource.auth-failed", e.Code);
        Assert.DoesNotContain("wrong-password-5678", e.Message);
    }
}
