using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Ferry.TestSupport;

/// <summary>
/// A real Ferry node (silo + API) in its own process, so tests can kill it with SIGKILL and start
/// it again on the same metadata database.
/// </summary>
public sealed class FerryNode : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    public FerryNode(string metadataDatabase, string adminKey)
    {
        MetadataDatabase = metadataDatabase;
        AdminKey = adminKey;
        ClusterId = metadataDatabase;
        (HttpPort, SiloPort, GatewayPort) = FreePorts();
    }

    public string MetadataDatabase { get; }
    public string AdminKey { get; }
    public string ClusterId { get; }
    public int HttpPort { get; }
    public int SiloPort { get; }
    public int GatewayPort { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>A metadata database of its own, so tests never see each other's projects.</summary>
    public static string NewMetadataDatabase() => TestServers.UniqueName("ferry_e2e").ToLowerInvariant();

    public string MetadataConnectionString =>
        new NpgsqlConnectionStringBuilder(TestServers.PgMeta) { Database = MetadataDatabase }.ConnectionString;

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        var dll = HostAssembly();
        var psi = new ProcessStartInfo("dotnet", [dll, "--urls", BaseAddress.ToString().TrimEnd('/')])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.Environment["FERRY_ADMIN_KEY"] = AdminKey;
        psi.Environment["Ferry__Metadata__Provider"] = "postgresql";
        psi.Environment["Ferry__Metadata__ConnectionString"] = MetadataConnectionString;
        psi.Environment["Ferry__Cluster__Id"] = ClusterId;
        psi.Environment["Ferry__Cluster__SiloPort"] = SiloPort.ToString();
        psi.Environment["Ferry__Cluster__GatewayPort"] = GatewayPort.ToString();
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the Ferry node");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the Ferry node exited with {_process.ExitCode}:\n{Log}");
            try
            {
                var r = await http.GetAsync("/readyz");
                if (r.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the Ferry node did not become ready:\n{Log}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no checkpoint flush.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.CompletedTask;
    }

    private static string HostAssembly()
    {
        // The test assembly sits in tests/<project>/bin/<config>/net10.0; the host in src/Ferry.Host/bin/<config>/net10.0.
        var here = AppContext.BaseDirectory;
        var config = new DirectoryInfo(here).Parent!.Name;
        var root = here;
        while (!File.Exists(Path.Combine(root, "Orleans.sln"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        var dll = Path.Combine(root, "src", "Ferry.Host", "bin", config, "net10.0", "Ferry.Host.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build src/Ferry.Host first", dll);
    }

    /// <summary>
    /// Three distinct free ports: the listeners stay open until all three are chosen, since the kernel may hand a
    /// port just released to the next request (a silo and its HTTP endpoint once got the same one).
    /// </summary>
    private static (int Http, int Silo, int Gateway) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}
