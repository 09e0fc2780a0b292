using System.Net.Sockets;
using Ferry.Engine.Connections;
using MySqlConnector;

namespace Ferry.MySql.Probe;

/// <summary>
/// Prechecks of a MySQL-family data source, each named, each failure saying what to change:
/// reachability, credentials, and what change capture or writing needs.
/// </summary>
public static class MySqlProbe
{
    public static async Task<ProbeResult> TestAsync(ConnectionInfo c, bool asSource, CancellationToken ct)
    {
        var checks = new List<ProbeCheck>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(c.Host, c.Port, timeout.Token);
            checks.Add(new ProbeCheck("reachable", true, $"{c.Host}:{c.Port} accepts connections"));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            checks.Add(new ProbeCheck("reachable", false, $"cannot connect to {c.Host}:{c.Port}: {e.Message}; check host, port and firewall"));
            return new ProbeResult(false, null, checks);
        }

        MySqlConnection conn;
        try
        {
            conn = await MySqlSessions.OpenAsync(c, timeout.Token);
            checks.Add(new ProbeCheck("credentials", true, $"logged in as {c.User}"));
        }
        catch (MySqlException e)
        {
            var detail = e.ErrorCode == MySqlErrorCode.AccessDenied
                ? $"the server rejected user '{c.User}' with the given password; check the user name and password"
                : $"login as '{c.User}' failed: {Redact(e.Message, c.Password)}";
            checks.Add(new ProbeCheck("credentials", false, detail));
            return new ProbeResult(false, null, checks);
        }

        await using (conn)
        {
            var vars = await VariablesAsync(conn, timeout.Token);
            var version = vars.GetValueOrDefault("version", conn.ServerVersion);
            checks.Add(new ProbeCheck("version", true, version));
            var grants = await GrantsAsync(conn, timeout.Token);
            bool Has(params string[] privileges) =>
                grants.Any(g => g.Contains("ALL PRIVILEGES ON *.*", StringComparison.OrdinalIgnoreCase))
                || privileges.Any(p => grants.Any(g => g.StartsWith("GRANT", StringComparison.OrdinalIgnoreCase)
                                                    && g.Contains(" ON *.*", StringComparison.OrdinalIgnoreCase)
                                                    && g.Contains(p, StringComparison.OrdinalIgnoreCase)));
            if (asSource)
            {
                var logBin = vars.GetValueOrDefault("log_bin", "OFF");
                checks.Add(Check("binlog", logBin is "ON" or "1", $"log_bin is {logBin}",
                    "the binary log is off (log_bin=OFF): start the server with log-bin to allow incremental sync"));
                var format = vars.GetValueOrDefault("binlog_format", "");
                checks.Add(Check("binlog_format", format.Equals("ROW", StringComparison.OrdinalIgnoreCase), $"binlog_format is {format}",
                    $"binlog_format is {format}: set binlog_format=ROW"));
                var image = vars.GetValueOrDefault("binlog_row_image", "FULL");
                checks.Add(Check("binlog_row_image", image.Equals("FULL", StringComparison.OrdinalIgnoreCase), $"binlog_row_image is {image}",
                    $"binlog_row_image is {image}: set binlog_row_image=FULL so every change carries whole rows"));
                if (vars.TryGetValue("binlog_row_metadata", out var metadata))
                    checks.Add(Check("binlog_row_metadata", metadata.Equals("FULL", StringComparison.OrdinalIgnoreCase), $"binlog_row_metadata is {metadata}",
                        $"binlog_row_metadata is {metadata}: set binlog_row_metadata=FULL so the log names columns and their signedness"));
                var serverId = vars.GetValueOrDefault("server_id", "0");
                checks.Add(Check("server_id", serverId != "0", $"server_id is {serverId}", "server_id is 0: give the server a non-zero server_id"));
                checks.Add(Check("replication_privileges", Has("REPLICATION SLAVE", "REPLICATION REPLICA") && Has("REPLICATION CLIENT", "BINLOG MONITOR"),
                    "the user may read the binary log",
                    $"user '{c.User}' lacks replication privileges: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* (MariaDB: REPLICATION REPLICA, BINLOG MONITOR)"));
                checks.Add(Check("select_privileges", Has("SELECT"), "the user may read tables",
                    $"user '{c.User}' lacks SELECT: grant SELECT on the databases to migrate"));
            }
            else
            {
                checks.Add(Check("write_privileges", Has("INSERT") && Has("CREATE") && Has("DELETE") && Has("UPDATE"),
                    "the user may create tables and write rows",
                    $"user '{c.User}' lacks CREATE, INSERT, UPDATE or DELETE on *.*; grant them for the target databases"));
                var infile = vars.GetValueOrDefault("local_infile", "OFF");
                checks.Add(Check("local_infile", infile is "ON" or "1", "local_infile is ON",
                    "local_infile is OFF: set local_infile=ON so the full copy can bulk load"));
            }
            return new ProbeResult(checks.All(x => x.Ok), version, checks);
        }
    }

    private static ProbeCheck Check(string name, bool ok, string good, string bad) => new(name, ok, ok ? good : bad);

    private static string Redact(string message, string secret) =>
        string.IsNullOrEmpty(secret) ? message : message.Replace(secret, "***", StringComparison.Ordinal);

    private static async Task<Dictionary<string, string>> VariablesAsync(MySqlConnection conn, CancellationToken ct)
    {
        var vars = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        await using var cmd = new MySqlCommand(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version','log_bin','binlog_format','binlog_row_image','binlog_row_metadata','server_id','local_infile')", conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) vars[r.GetString(0)] = r.GetString(1);
        return vars;
    }

    private static async Task<List<string>> GrantsAsync(MySqlConnection conn, CancellationToken ct)
    {
        var grants = new List<string>();
        await using var cmd = new MySqlCommand("SHOW GRANTS", conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) grants.Add(r.GetString(0));
        return grants;
    }
}
