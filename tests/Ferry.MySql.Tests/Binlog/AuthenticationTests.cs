using Ferry.Engine.Errors;
using Ferry.MySql.Binlog;
using Ferry.TestSupport;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>A private server with an ed25519 account (the plugin must be installed, which the shared servers must not be).</summary>
public sealed class Ed25519MariaDbServer : IAsyncLifetime
{
    public PrivateMariaDb Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PrivateMariaDb.StartAsync();
        await TestServers.ExecAsync(Server.ConnectionString,
            "INSTALL SONAME 'auth_ed25519'; CREATE USER 'ed'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('ed-secret'); " +
            "GRANT REPLICATION SLAVE ON *.* TO 'ed'@'127.0.0.1'");
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

public sealed class AuthenticationTests(Ed25519MariaDbServer fixture) : IClassFixture<Ed25519MariaDbServer>
{
    private PrivateMariaDb Server => fixture.Server;

    [Fact]
    public async Task Native_password_logs_in_without_a_switch()
    {
        await using var client = new BinlogClient();
        await client.ConnectAsync(Server.Host, Server.Port, Server.User, Server.Password, TlsSettings.Default, CancellationToken.None);
        Assert.Equal("mysql_native_password", client.AuthMethod);
        await client.ExecuteAsync("SELECT 1", CancellationToken.None);
    }

    [Fact]
    public async Task A_server_that_does_not_know_the_announced_method_switches_to_native_password_and_the_login_succeeds()
    {
        // The handshake response carries a caching_sha2_password scramble; MariaDB does not know that method and
        // sends an auth switch request to mysql_native_password with a fresh nonce.
        await using var client = new BinlogClient { AnnouncedMethod = "caching_sha2_password" };
        await client.ConnectAsync(Server.Host, Server.Port, Server.User, Server.Password, TlsSettings.Default, CancellationToken.None);
        Assert.Equal("mysql_native_password", client.AuthMethod);
        await client.ExecuteAsync("SELECT 1", CancellationToken.None);

        await using var wrong = new BinlogClient { AnnouncedMethod = "caching_sha2_password" };
        var e = await Assert.ThrowsAsync<FerryException>(() =>
            wrong.ConnectAsync(Server.Host, Server.Port, Server.User, "not-the-password", TlsSettings.Default, CancellationToken.None));
        Assert.Equal("binlog.auth-failed", e.Code);
        Assert.DoesNotContain("not-the-password", e.Message);
    }

    [Fact]
    public async Task A_switch_to_ed25519_is_a_clear_error_naming_the_method()
    {
        await using var client = new BinlogClient();
        var e = await Assert.ThrowsAsync<FerryException>(() =>
            client.ConnectAsync(Server.Host, Server.Port, "ed", "ed-secret", TlsSettings.Default, CancellationToken.None));
        Assert.Equal("binlog.auth-unsupported", e.Code);
        Assert.Contains("client_ed25519", e.Message);
        Assert.Contains("'ed'", e.Message);
        Assert.DoesNotContain("ed-secret", e.Message);
    }
}
