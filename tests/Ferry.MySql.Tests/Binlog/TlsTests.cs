using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.MySql.Binlog;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>
/// A private server with a certificate from its own CA that refuses plain TCP (require_secure_transport),
/// so a session that works there is proven to be encrypted. It listens on 127.0.0.1 (named by the
/// certificate) and 127.0.0.2 (not named), for host-name checks.
/// </summary>
public sealed class TlsMariaDbServer : IAsyncLifetime
{
    public const string Db = "ferry_tls";
    public PrivateMariaDb Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PrivateMariaDb.StartAsync(["require_secure_transport=ON", "bind-address=127.0.0.1,127.0.0.2"], tls: true);
        await TestServers.ExecAsync(Server.ConnectionString, $"CREATE DATABASE {Db}; CREATE TABLE {Db}.t (id INT PRIMARY KEY, v VARCHAR(50))");
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }

    public ConnectionInfo Connection(string sslMode, string? ca = null, string? host = null)
    {
        var options = new Dictionary<string, string> { ["sslMode"] = sslMode };
        if (ca is not null) options["sslCa"] = ca;
        return new ConnectionInfo(EngineKind.MariaDb, host ?? Server.Host, Server.Port, Server.User, Server.Password, Options: options);
    }
}

public sealed class TlsTests(TlsMariaDbServer tls) : IClassFixture<TlsMariaDbServer>
{
    private static int _nextId;

    [Theory]
    [InlineData("preferred", false, null)] // the server offers TLS, so preferred takes it (plain would be refused here)
    [InlineData("required", false, null)]
    [InlineData("verify-ca", true, null)]
    [InlineData("verify-full", true, null)]
    [InlineData("verify-full", true, "localhost")]
    [InlineData("verify-ca", true, "127.0.0.2")] // verify-ca does not care which name the certificate gives
    public async Task A_dump_over_tls_streams_row_events(string mode, bool withCa, string? host)
    {
        var connection = tls.Connection(mode, withCa ? tls.Server.CaPem : null, host);
        var source = new MySqlChangeSource(connection, 5000 + (uint)Interlocked.Increment(ref _nextId));
        var start = await source.GetCurrentPositionAsync(CancellationToken.None);
        var id = Interlocked.Increment(ref _nextId) * 10;
        await TestServers.ExecAsync(tls.Server.ConnectionString, $"INSERT INTO t VALUES ({id}, 'over tls'), ({id + 1}, 'ünï')", TlsMariaDbServer.Db);

        var rows = await FirstTransactionAsync(source, start);
        Assert.Equal([ChangeKind.Insert, ChangeKind.Insert], rows.Select(r => r.Kind));
        Assert.Equal([(long)id, "over tls"], rows[0].After!);
        Assert.Equal("ünï", rows[1].After![1]);
    }

    [Fact]
    public async Task The_binlog_client_reports_an_encrypted_session_and_disabled_is_refused_by_this_server()
    {
        await using (var client = new BinlogClient())
        {
            await client.ConnectAsync(tls.Server.Host, tls.Server.Port, tls.Server.User, tls.Server.Password,
                TlsSettings.From(tls.Connection("verify-ca", tls.Server.CaPem)), CancellationToken.None);
            Assert.True(client.IsEncrypted);
            await client.ExecuteAsync("SELECT 1", CancellationToken.None);
        }
        await using var plain = new BinlogClient();
        var e = await Assert.ThrowsAsync<FerryException>(() => plain.ConnectAsync(tls.Server.Host, tls.Server.Port, tls.Server.User,
            tls.Server.Password, TlsSettings.From(tls.Connection("disabled")), CancellationToken.None));
        Assert.Equal("binlog.auth-failed", e.Code); // MariaDB refuses plain TCP under require_secure_transport as a failed login
        Assert.DoesNotContain(tls.Server.Password, e.Message);
    }

    [Fact]
    public async Task Verification_fails_clearly_for_another_ca_and_for_a_host_the_certificate_does_not_name()
    {
        var otherCa = OtherCaPem();
        var wrongCa = await Assert.ThrowsAsync<FerryException>(() => ReadOneAsync(tls.Connection("verify-ca", otherCa)));
        Assert.Equal("binlog.tls-verify-failed", wrongCa.Code);
        Assert.Contains("sslCa", wrongCa.Message);

        var wrongName = await Assert.ThrowsAsync<FerryException>(() => ReadOneAsync(tls.Connection("verify-full", tls.Server.CaPem, "127.0.0.2")));
        Assert.Equal("binlog.tls-verify-failed", wrongName.Code);
        Assert.Contains("name", wrongName.Message);

        // Without sslCa the server's private CA is not a trusted root.
        var noCa = await Assert.ThrowsAsync<FerryException>(() => ReadOneAsync(tls.Connection("verify-ca")));
        Assert.Equal("binlog.tls-verify-failed", noCa.Code);
    }

    [Fact]
    public async Task Sessions_honour_the_same_setting()
    {
        foreach (var connection in new[] { tls.Connection("required"), tls.Connection("verify-ca", tls.Server.CaPem), tls.Connection("verify-full", tls.Server.CaPem) })
        {
            await using var c = await MySqlSessions.OpenAsync(connection, forWriting: false, CancellationToken.None);
            await using var cmd = new MySqlCommand("SHOW SESSION STATUS LIKE 'Ssl_cipher'", c);
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.NotEqual("", r.GetString(1));
        }
        var wrongCa = await Assert.ThrowsAsync<FerryException>(() => MySqlSessions.OpenAsync(tls.Connection("verify-ca", OtherCaPem()), false, CancellationToken.None));
        Assert.Equal("datasource.tls-verify-failed", wrongCa.Code);
        var wrongName = await Assert.ThrowsAsync<FerryException>(() =>
            MySqlSessions.OpenAsync(tls.Connection("verify-full", tls.Server.CaPem, "127.0.0.2"), false, CancellationToken.None));
        Assert.Equal("datasource.tls-verify-failed", wrongName.Code);
        var invalid = Assert.Throws<FerryException>(() => MySqlSessions.ConnectionString(tls.Connection("sometimes"), false));
        Assert.Equal("datasource.ssl-mode-invalid", invalid.Code);
    }

    [Fact]
    public async Task Required_against_a_server_without_tls_is_a_clear_error_and_preferred_falls_back_to_plain()
    {
        // The shared source has no TLS configured.
        var plainSource = BinlogReading.Source();
        var position = await new MySqlChangeSource(plainSource, 7001).GetCurrentPositionAsync(CancellationToken.None);
        foreach (var mode in new[] { "required", "verify-ca", "verify-full" })
        {
            var required = plainSource with { Options = new Dictionary<string, string> { ["sslMode"] = mode } };
            var e = await Assert.ThrowsAsync<FerryException>(async () =>
            {
                await foreach (var _ in new MySqlChangeSource(required, 7002).ReadAsync(position, _ => true, CancellationToken.None)) break;
            });
            Assert.Equal("binlog.tls-unavailable", e.Code);
            Assert.Contains("does not offer TLS", e.Message);
            Assert.DoesNotContain(plainSource.Password, e.Message);

            var session = await Assert.ThrowsAsync<FerryException>(() => MySqlSessions.OpenAsync(required, false, CancellationToken.None));
            Assert.Equal("datasource.tls-unavailable", session.Code);
        }

        var preferred = plainSource with { Options = new Dictionary<string, string> { ["sslMode"] = "preferred" } };
        await using var client = new BinlogClient();
        await client.ConnectAsync(preferred.Host, preferred.Port, preferred.User, preferred.Password, TlsSettings.From(preferred), CancellationToken.None);
        Assert.False(client.IsEncrypted);
    }

    [Fact]
    public async Task The_probe_reports_tls()
    {
        var encrypted = await Ferry.MySql.Probe.MySqlProbe.TestAsync(tls.Connection("verify-ca", tls.Server.CaPem), asSource: true, CancellationToken.None);
        var check = Assert.Single(encrypted.Checks, c => c.Name == "tls");
        Assert.True(check.Ok);
        Assert.Contains("Encrypted with TLS", check.Detail);

        var plain = await Ferry.MySql.Probe.MySqlProbe.TestAsync(BinlogReading.Source(), asSource: true, CancellationToken.None);
        Assert.Contains("Not encrypted", Assert.Single(plain.Checks, c => c.Name == "tls").Detail);

        var required = BinlogReading.Source() with { Options = new Dictionary<string, string> { ["sslMode"] = "required" } };
        var refused = await Ferry.MySql.Probe.MySqlProbe.TestAsync(required, asSource: true, CancellationToken.None);
        Assert.False(refused.Ok);
        Assert.Contains("does not offer TLS", Assert.Single(refused.Checks, c => c.Name == "tls").Detail);
    }

    private static async Task ReadOneAsync(ConnectionInfo connection)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var _ in new MySqlChangeSource(connection, 7003).ReadAsync(new LogPosition("mariadb-bin.000001:4"), _ => true, cts.Token)) break;
    }

    private static async Task<List<RowChange>> FirstTransactionAsync(MySqlChangeSource source, LogPosition start)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var e in source.ReadAsync(start, t => t.Database == TlsMariaDbServer.Db, cts.Token))
            if (e is TransactionEvent t) return [.. t.Rows];
        throw new InvalidOperationException("the stream ended");
    }

    /// <summary>A CA that signed nothing the server has.</summary>
    private static string OtherCaPem()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Some other CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return cert.ExportCertificatePem();
    }
}
