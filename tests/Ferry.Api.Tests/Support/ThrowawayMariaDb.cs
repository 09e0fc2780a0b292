using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.Api.Tests.Support;

/// <summary>
/// A MariaDB server of the test's own (temporary data directory, free port, binlog in ROW format with
/// full images and metadata), so a test can stop and start it without touching the shared servers.
/// Installed and started the way <c>infra/up.sh</c> does it; everything is deleted on dispose.
/// </summary>
public sealed class ThrowawayMariaDb : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ferry-mdb-" + Guid.NewGuid().ToString("N")[..10]);
    private Process? _server;

    public int Port { get; } = FreePort();
    private string Socket => Path.Combine(_dir, "mysqld.sock");
    private string Config => Path.Combine(_dir, "my.cnf");

    public string ConnectionString => $"Server=127.0.0.1;Port={Port};User ID=root;Password={TestServers.Password}";

    public static async Task<ThrowawayMariaDb> StartNewAsync(CancellationToken ct = default)
    {
        var db = new ThrowawayMariaDb();
        try
        {
            await db.InstallAsync(ct);
            await db.StartAsync(ct);
            // The installer creates root without a password over TCP; the tests log in like everywhere else.
            await db.RunClientAsync($"""
                CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{TestServers.Password}';
                GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
                FLUSH PRIVILEGES;
                """, ct);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private async Task InstallAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "binlog"));
        await File.WriteAllTextAsync(Config, $"""
            [mariadbd]
            datadir={_dir}/data
            port={Port}
            bind-address=127.0.0.1
            socket={Socket}
            pid-file={_dir}/mariadbd.pid
            log-error={_dir}/error.log
            user=root
            skip-name-resolve
            server-id={Port}
            log-bin={_dir}/binlog/mariadb-bin
            binlog_format=ROW
            binlog_row_image=FULL
            binlog_row_metadata=FULL
            binlog_checksum=CRC32
            expire_logs_days=7
            local_infile=1
            max_allowed_packet=64M
            innodb_buffer_pool_size=64M
            innodb_flush_log_at_trx_commit=2
            sync_binlog=0
            character_set_server=utf8mb4
            """, ct);
        await RunAsync("mariadb-install-db", [$"--defaults-file={Config}", "--user=root", $"--datadir={_dir}/data",
            "--auth-root-authentication-method=socket"], ct);
    }

    /// <summary>Starts the server on its data directory and waits until it answers.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_server is { HasExited: false }) return;
        _server = Process.Start(new ProcessStartInfo("mariadbd", [$"--defaults-file={Config}"])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("could not start mariadbd");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Socket) || !await AnswersAsync(ct))
        {
            if (_server.HasExited) throw new InvalidOperationException($"mariadbd exited with {_server.ExitCode}: {ErrorLog()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"mariadbd did not start: {ErrorLog()}");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>A clean shutdown, as an operator's restart does it; clients see their connections close.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (_server is null || _server.HasExited) return;
        await RunClientAsync("SHUTDOWN", ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await _server.WaitForExitAsync(timeout.Token);
    }

    private async Task<bool> AnswersAsync(CancellationToken ct)
    {
        try
        {
            await RunAsync("mariadb-admin", [$"--socket={Socket}", "-uroot", "ping"], ct);
            return true;
        }
        catch (InvalidOperationException) { return false; }
    }

    private Task RunClientAsync(string sql, CancellationToken ct) =>
        RunAsync("mariadb", [$"--socket={Socket}", "-uroot", "-e", sql], ct);

    private static async Task RunAsync(string file, string[] args, CancellationToken ct)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"could not run {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited with {p.ExitCode}: {await stderr}{await stdout}");
    }

    private string ErrorLog()
    {
        var log = Path.Combine(_dir, "error.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "(no error log)";
    }

    public async Task ExecAsync(string sql, string? database = null)
    {
        await using var c = await TestServers.OpenAsync(ConnectionString, database);
        await using var cmd = new MySqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            try { await StopAsync(); }
            catch (Exception) { _server.Kill(entireProcessTree: true); }
        }
        _server?.Dispose();
        MySqlConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
