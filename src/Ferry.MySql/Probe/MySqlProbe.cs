using System.Net.Sockets;
using Ferry.Engine.Connections;
using MySqlConnector;

namespace Ferry.MySql.Probe;

/// <summary>
/// Prechecks of a MySQL-family data source: each check names what is wrong and what to change.
/// Messages never contain the password.
/// </summary>
public static class MySqlProbe
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static async Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct)
    {
        var checks = new List<ProbeCheck>();
        var endpoint = $"{connection.Host}:{connection.Port}";

        var reachable = await CheckReachableAsync(connection, endpoint, ct).ConfigureAwait(false);
        checks.Add(reachable);
        if (!reachable.Ok) return Result(checks, null);

        MySqlConnection c;
        try
        {
            c = await MySqlSessions.OpenAsync(connection, forWriting: !asSource, ct).ConfigureAwait(false);
        }
        catch (MySqlException e) when (e.ErrorCode is MySqlErrorCode.AccessDenied or MySqlErrorCode.DatabaseAccessDenied)
        {
            checks.Add(new ProbeCheck("credentials", false,
                $"The server at {endpoint} rejected the password for user '{connection.User}' " +
                $"(error {(int)e.ErrorCode}, access denied). Check the user name and password, and that the user may connect from Ferry's address."));
            return Result(checks, null);
        }
        catch (Ferry.Engine.Errors.FerryException e) when (e.Code.StartsWith("datasource.tls", StringComparison.Ordinal))
        {
            checks.Add(new ProbeCheck("tls", false, e.Message));
            return Result(checks, null);
        }
        catch (MySqlException e)
        {
            checks.Add(new ProbeCheck("credentials", false,
                $"Could not log in to {endpoint} as '{connection.User}': {Redact(e.Message, connection)} (error {(int)e.ErrorCode})."));
            return Result(checks, null);
        }

        await using (c)
        {
            checks.Add(new ProbeCheck("credentials", true, $"Logged in as '{connection.User}'."));
            var version = Convert.ToString(await ScalarAsync(c, "SELECT VERSION()", ct).ConfigureAwait(false)) ?? string.Empty;
            checks.Add(new ProbeCheck("version", true, version));
            checks.Add(await TlsCheckAsync(c, connection, ct).ConfigureAwait(false));
            var grants = await GrantsAsync(c, ct).ConfigureAwait(false);
            if (!asSource)
            {
                await CheckDestinationAsync(c, grants, checks, ct).ConfigureAwait(false);
                return Result(checks, version);
            }
            await CheckSourceAsync(c, grants, checks, ct).ConfigureAwait(false);
            return Result(checks, version) with { LogRetention = await RetentionAsync(c, ct).ConfigureAwait(false) };
        }
    }

    /// <summary>Says whether the session is encrypted; not a failure when plain is what sslMode allows.</summary>
    private static async Task<ProbeCheck> TlsCheckAsync(MySqlConnection c, ConnectionInfo connection, CancellationToken ct)
    {
        var mode = TlsSettings.From(connection).Mode;
        string? protocol = null;
        await using (var cmd = new MySqlCommand("SHOW SESSION STATUS LIKE 'Ssl_version'", c))
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            if (await r.ReadAsync(ct).ConfigureAwait(false)) protocol = r.GetString(1);
        return string.IsNullOrEmpty(protocol)
            ? new ProbeCheck("tls", true, mode == TlsMode.Disabled
                ? "Not encrypted (sslMode is disabled)."
                : "Not encrypted: the server offers no TLS (sslMode is preferred; set required or verify-ca to insist on it).")
            : new ProbeCheck("tls", true, $"Encrypted with {protocol} (sslMode is {mode}).");
    }

    /// <summary>binlog_expire_logs_seconds (MySQL 8, MariaDB 10.6+), else expire_logs_days; zero means binlogs are never purged.</summary>
    private static async Task<TimeSpan?> RetentionAsync(MySqlConnection c, CancellationToken ct)
    {
        if (await VariableAsync(c, "binlog_expire_logs_seconds", ct).ConfigureAwait(false) is { } seconds
            && double.TryParse(seconds, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0)
            return TimeSpan.FromSeconds(s);
        if (await VariableAsync(c, "expire_logs_days", ct).ConfigureAwait(false) is { } days
            && double.TryParse(days, System.Globalization.CultureInfo.InvariantCulture, out var d))
            return TimeSpan.FromDays(d);
        return null;
    }

    private static ProbeResult Result(List<ProbeCheck> checks, string? version) => new(checks.All(x => x.Ok), version, checks);

    private static async Task<ProbeCheck> CheckReachableAsync(ConnectionInfo connection, string endpoint, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(connection.Host, connection.Port, timeout.Token).ConfigureAwait(false);
            return new ProbeCheck("reachable", true, $"Connected to {endpoint}.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ProbeCheck("reachable", false,
                $"No answer from {endpoint} within {ConnectTimeout.TotalSeconds:0} s. Check the host and port, and that a firewall or security group lets Ferry connect.");
        }
        catch (SocketException e)
        {
            return new ProbeCheck("reachable", false,
                $"Cannot connect to {endpoint}: {e.SocketErrorCode} ({e.Message}). Check the host name and port, that the server is running and listens on that address.");
        }
    }

    private static async Task CheckSourceAsync(MySqlConnection c, IReadOnlyList<string> grants, List<ProbeCheck> checks, CancellationToken ct)
    {
        var logBin = await VariableAsync(c, "log_bin", ct).ConfigureAwait(false);
        checks.Add(Is(logBin, "1", "ON")
            ? new ProbeCheck("binlog", true, "log_bin is ON.")
            : new ProbeCheck("binlog", false, $"log_bin is {logBin ?? "missing"}: enable the binary log (log_bin=ON in the server configuration, then restart)."));

        var format = await VariableAsync(c, "binlog_format", ct).ConfigureAwait(false);
        checks.Add(Is(format, "ROW")
            ? new ProbeCheck("binlog_format", true, "binlog_format is ROW.")
            : new ProbeCheck("binlog_format", false, $"binlog_format is {format ?? "missing"}: set binlog_format=ROW (SET GLOBAL binlog_format='ROW' and in the configuration file)."));

        var image = await VariableAsync(c, "binlog_row_image", ct).ConfigureAwait(false);
        checks.Add(Is(image, "FULL")
            ? new ProbeCheck("binlog_row_image", true, "binlog_row_image is FULL.")
            : new ProbeCheck("binlog_row_image", false, $"binlog_row_image is {image ?? "missing"}: set binlog_row_image=FULL so every change carries whole rows."));

        // Ferry needs column names and signedness from TABLE_MAP events to decode rows without racing schema changes
        var metadata = await VariableAsync(c, "binlog_row_metadata", ct).ConfigureAwait(false);
        checks.Add(Is(metadata, "FULL")
            ? new ProbeCheck("binlog_row_metadata", true, "binlog_row_metadata is FULL.")
            : new ProbeCheck("binlog_row_metadata", false, metadata is null
                ? "The server has no binlog_row_metadata setting: Ferry needs MySQL 8.0.1+ or MariaDB 10.5+ for column metadata in the binlog."
                : $"binlog_row_metadata is {metadata}: set binlog_row_metadata=FULL (SET GLOBAL binlog_row_metadata='FULL' and in the configuration file)."));

        var serverId = await VariableAsync(c, "server_id", ct).ConfigureAwait(false);
        checks.Add(serverId is not null && serverId != "0"
            ? new ProbeCheck("server_id", true, $"server_id is {serverId}.")
            : new ProbeCheck("server_id", false, "server_id is 0: set a non-zero server_id in the server configuration (the binary log requires it)."));

        var all = HasGlobal(grants, "ALL PRIVILEGES");
        var slave = all || HasGlobal(grants, "REPLICATION SLAVE") || HasGlobal(grants, "REPLICATION REPLICA");
        var client = all || HasGlobal(grants, "REPLICATION CLIENT") || HasGlobal(grants, "BINLOG MONITOR") || HasGlobal(grants, "SUPER");
        var missing = new List<string>();
        if (!slave) missing.Add("REPLICATION SLAVE");
        if (!client) missing.Add("REPLICATION CLIENT (BINLOG MONITOR on MariaDB)");
        checks.Add(missing.Count == 0
            ? new ProbeCheck("replication_privileges", true, "The user may read the binary log.")
            : new ProbeCheck("replication_privileges", false,
                $"The user lacks {string.Join(" and ", missing)}: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the user."));
    }

    private static async Task CheckDestinationAsync(MySqlConnection c, IReadOnlyList<string> grants, List<ProbeCheck> checks, CancellationToken ct)
    {
        string[] needed = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE"];
        var ok = grants.Any(g => g.Contains("ALL PRIVILEGES", StringComparison.OrdinalIgnoreCase)) ||
                 grants.Any(g => needed.All(p => HasPrivilege(g, p)));
        checks.Add(ok
            ? new ProbeCheck("write_privileges", true, "The user may create tables and write rows.")
            : new ProbeCheck("write_privileges", false,
                "The user lacks write privileges: GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX ON the target databases (and on `__ferry`.*, where Ferry keeps its checkpoints) TO the user."));

        var localInfile = await VariableAsync(c, "local_infile", ct).ConfigureAwait(false);
        checks.Add(Is(localInfile, "1", "ON")
            ? new ProbeCheck("local_infile", true, "local_infile is ON.")
            : new ProbeCheck("local_infile", false, "local_infile is OFF: the full copy loads rows with LOAD DATA LOCAL INFILE; SET GLOBAL local_infile=1 (and local_infile=1 in the configuration file)."));
    }

    private static bool Is(string? value, params string[] expected) =>
        value is not null && expected.Any(e => string.Equals(value, e, StringComparison.OrdinalIgnoreCase));

    private static bool HasGlobal(IReadOnlyList<string> grants, string privilege) =>
        grants.Any(g => g.Contains(" ON *.* ", StringComparison.OrdinalIgnoreCase) && HasPrivilege(g, privilege));

    /// <summary>Whether the privilege list of a GRANT line (before ON) names the privilege.</summary>
    private static bool HasPrivilege(string grant, string privilege)
    {
        var on = grant.IndexOf(" ON ", StringComparison.OrdinalIgnoreCase);
        if (!grant.StartsWith("GRANT ", StringComparison.OrdinalIgnoreCase) || on < 0) return false;
        return grant[6..on].Split(',').Any(p => string.Equals(p.Trim(), privilege, StringComparison.OrdinalIgnoreCase) ||
                                                 string.Equals(p.Trim(), "ALL PRIVILEGES", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<IReadOnlyList<string>> GrantsAsync(MySqlConnection c, CancellationToken ct)
    {
        var grants = new List<string>();
        await using var cmd = new MySqlCommand("SHOW GRANTS", c);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) grants.Add(r.GetString(0));
        return grants;
    }

    private static async Task<string?> VariableAsync(MySqlConnection c, string name, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand("SHOW GLOBAL VARIABLES LIKE @n", c);
        cmd.Parameters.AddWithValue("@n", name);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? r.GetString(1) : null;
    }

    private static async Task<object?> ScalarAsync(MySqlConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private static string Redact(string message, ConnectionInfo connection) =>
        string.IsNullOrEmpty(connection.Password) ? message : message.Replace(connection.Password, "***", StringComparison.Ordinal);
}
