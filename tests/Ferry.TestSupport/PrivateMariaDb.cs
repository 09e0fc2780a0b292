using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;

namespace Ferry.TestSupport;

/// <summary>
/// A throwaway MariaDB instance for one test class: its own data directory under /tmp, a free port
/// on 127.0.0.1, binlog configured like the shared source, plus the <c>my.cnf</c> lines a test asks
/// for. The shared servers must never be reconfigured, so anything needing server settings of its
/// own (TLS, binlog compression, a restart) runs here. Dispose stops it and deletes the directory.
/// </summary>
public sealed class PrivateMariaDb : IAsyncDisposable
{
    public const string RootPassword = "ferry";

    private readonly string[] _extraConfig;
    private Process? _server;

    private readonly bool _tls;

    private PrivateMariaDb(string directory, int port, string[] extraConfig, bool tls)
    {
        _tls = tls;
        Directory = directory;
        Port = port;
        _extraConfig = extraConfig;
    }

    /// <summary>The temp directory holding data, binlogs, config, logs and any generated certificates.</summary>
    public string Directory { get; }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public string User => "root";
    public string Password => RootPassword;

    /// <summary>PEM of the CA that signed the server certificate, when started with <c>tls: true</c>.</summary>
    public string? CaPem { get; private set; }

    private string Socket => Path.Combine(Directory, "mysqld.sock");
    private string ConfigFile => Path.Combine(Directory, "my.cnf");
    private string ErrorLog => Path.Combine(Directory, "error.log");

    /// <summary>A connection string for test setup (root over TCP; TLS when the server has it, unverified).</summary>
    public string ConnectionString => new MySqlConnectionStringBuilder
    {
        Server = Host, Port = (uint)Port, UserID = User, Password = Password, SslMode = MySqlSslMode.Preferred, Pooling = false,
    }.ConnectionString;

    /// <summary>
    /// Installs and starts a fresh instance; <paramref name="extraConfig"/> lines go into <c>[mariadbd]</c>.
    /// With <paramref name="tls"/> the server speaks TLS with a certificate (SAN 127.0.0.1 and localhost)
    /// signed by a CA generated for this instance (<see cref="CaPem"/>).
    /// </summary>
    public static async Task<PrivateMariaDb> StartAsync(IEnumerable<string>? extraConfig = null, bool tls = false, CancellationToken ct = default)
    {
        var lines = extraConfig?.ToArray() ?? [];
        var directory = Path.Combine(Path.GetTempPath(), "ferry-mariadb-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        var instance = new PrivateMariaDb(directory, FreePort(), lines, tls);
        try
        {
            await instance.InstallAsync(ct);
            await instance.StartServerAsync(ct);
            await RunAsync("mariadb", ["--socket=" + instance.Socket, "-uroot", "-e",
                $"CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{RootPassword}'; " +
                "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"], ct);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server cleanly (waits for it to exit); the data directory stays.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (_server is not { } server) return;
        _server = null;
        if (!server.HasExited)
        {
            // root@localhost (the socket) has no password: only root@127.0.0.1 got one; SIGTERM is the fallback
            try { await RunAsync("mariadb-admin", ["--socket=" + Socket, "-uroot", "shutdown"], ct); }
            catch (InvalidOperationException)
            {
                try { await RunAsync("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct); }
                catch (InvalidOperationException) { /* gone already, or killed below */ }
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            try { await server.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { server.Kill(entireProcessTree: true); await server.WaitForExitAsync(CancellationToken.None); }
        }
        server.Dispose();
    }

    /// <summary>Kills the server without a clean shutdown (a crash, as far as clients and the binlog can tell).</summary>
    public async Task KillAsync()
    {
        if (_server is not { } server) return;
        _server = null;
        if (!server.HasExited)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
        server.Dispose();
    }

    /// <summary>Starts the server again on the same data directory and port (after <see cref="StopAsync"/> or <see cref="KillAsync"/>).</summary>
    public Task StartAgainAsync(CancellationToken ct = default) =>
        _server is null ? StartServerAsync(ct) : throw new InvalidOperationException("the server is running");

    /// <summary>Clean stop, then start on the same data directory: binlog, data and users survive.</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync(ct);
        await StartServerAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); }
        catch (Exception) { await KillAsync(); }
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* a file still held open; /tmp is cleaned eventually */ }
    }

    private string TempDirectory() => System.IO.Directory.CreateDirectory(Path.Combine(Directory, "tmp")).FullName;

    private async Task InstallAsync(CancellationToken ct)
    {
        var config = new List<string>
        {
            "[mariadbd]",
            "datadir=" + Path.Combine(Directory, "data"),
            // Its own temporary directory: installs running at once in a shared /tmp collide on temporary table files.
            "tmpdir=" + TempDirectory(),
            "port=" + Port,
            "bind-address=127.0.0.1",
            "socket=" + Socket,
            "pid-file=" + Path.Combine(Directory, "mariadbd.pid"),
            "log-error=" + ErrorLog,
            "user=root",
            "skip-name-resolve",
            "server-id=" + Port,
            // like the shared source (infra/up.sh)
            "log-bin=" + Path.Combine(Directory, "mariadb-bin"),
            "binlog_format=ROW",
            "binlog_row_image=FULL",
            "binlog_row_metadata=FULL",
            "binlog_checksum=CRC32",
            "default_time_zone='+03:00'",
            "character_set_server=latin1",
            "max_allowed_packet=256M",
            // small, so that start-up takes a second or two
            "innodb_buffer_pool_size=32M",
            "innodb_log_file_size=16M",
            "innodb_flush_log_at_trx_commit=2",
            "sync_binlog=0",
        };
        if (_tls)
        {
            CaPem = await GenerateCertificatesAsync(ct);
            config.Add("ssl_ca=" + Path.Combine(Directory, "ca.pem"));
            config.Add("ssl_cert=" + Path.Combine(Directory, "server.pem"));
            config.Add("ssl_key=" + Path.Combine(Directory, "server-key.pem"));
        }
        config.AddRange(_extraConfig);
        await File.WriteAllLinesAsync(ConfigFile, config, ct);
        await RunAsync("mariadb-install-db", ["--defaults-file=" + ConfigFile, "--user=root", "--datadir=" + Path.Combine(Directory, "data"),
            "--auth-root-authentication-method=normal", "--skip-test-db"], ct);
    }

    private async Task StartServerAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("mariadbd", ["--defaults-file=" + ConfigFile])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var server = Process.Start(start) ?? throw new InvalidOperationException("mariadbd did not start");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        _server = server;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (server.HasExited)
                throw new InvalidOperationException($"mariadbd exited with {server.ExitCode} while starting: {Tail(ErrorLog)}");
            if (File.Exists(Socket) && await CanConnectAsync(ct)) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"mariadbd on port {Port} did not answer within 30 s: {Tail(ErrorLog)}");
            await Task.Delay(100, ct);
        }
    }

    private async Task<bool> CanConnectAsync(CancellationToken ct)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, Port, ct);
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>A CA and a server certificate it signs, valid for 127.0.0.1 and localhost; returns the CA's PEM.</summary>
    private async Task<string> GenerateCertificatesAsync(CancellationToken ct)
    {
        string F(string name) => Path.Combine(Directory, name);
        await RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Ferry test CA",
            "-keyout", F("ca-key.pem"), "-out", F("ca.pem")], ct);
        await RunAsync("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", F("server-key.pem"), "-out", F("server.csr")], ct);
        await File.WriteAllTextAsync(F("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n", ct);
        await RunAsync("openssl", ["x509", "-req", "-in", F("server.csr"), "-CA", F("ca.pem"), "-CAkey", F("ca-key.pem"),
            "-CAcreateserial", "-days", "2", "-extfile", F("server.ext"), "-out", F("server.pem")], ct);
        return await File.ReadAllTextAsync(F("ca.pem"), ct);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Tail(string file) =>
        File.Exists(file) ? string.Join(" | ", File.ReadLines(file).TakeLast(5)) : "(no error log)";

    private static async Task RunAsync(string program, string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{program} failed ({p.ExitCode}): {await stderr} {await stdout}");
    }
}
