using System.Globalization;
using System.Net.Sockets;
using Ferry.Engine.Connections;
using Npgsql;

namespace Ferry.PostgreSql.Probe;

/// <summary>
/// Prechecks of a PostgreSQL data source: each check names what is wrong and what to change.
/// Messages never contain the password.
/// </summary>
public static class PostgreSqlProbe
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Logical replication with pgoutput protocol 1 and the catalog queries used here need PostgreSQL 10; Ferry is tested on 15.</summary>
    private const int MinServerVersionNum = 100000;

    public static async Task<ProbeResult> TestAsync(ConnectionInfo connection, bool asSource, CancellationToken ct)
    {
        var checks = new List<ProbeCheck>();
        var endpoint = $"{connection.Host}:{connection.Port}";
        var reachable = await CheckReachableAsync(connection, endpoint, ct).ConfigureAwait(false);
        checks.Add(reachable);
        if (!reachable.Ok) return Result(checks, null);

        var c = new NpgsqlConnection(PgSessions.ConnectionString(connection));
        try
        {
            await c.OpenAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            await c.DisposeAsync().ConfigureAwait(false);
            checks.Add(new ProbeCheck("credentials", false,
                $"The server at {endpoint} rejected the login of user '{connection.User}' ({e.SqlState}: {e.MessageText}). " +
                "Check the user name and password, and that pg_hba.conf lets the user connect from Ferry's address."));
            return Result(checks, null);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            await c.DisposeAsync().ConfigureAwait(false);
            checks.Add(new ProbeCheck("credentials", false, $"Database '{connection.Database}' does not exist on {endpoint}: name an existing database."));
            return Result(checks, null);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await c.DisposeAsync().ConfigureAwait(false);
            checks.Add(new ProbeCheck("credentials", false, $"Could not log in to {endpoint} as '{connection.User}': {Redact(e.Message, connection)}."));
            return Result(checks, null);
        }

        await using (c)
        {
            checks.Add(new ProbeCheck("credentials", true, $"Logged in as '{connection.User}' to database '{c.Database}'."));
            var version = (string)(await ScalarAsync(c, "SELECT pg_catalog.version()", ct).ConfigureAwait(false))!;
            var versionNum = int.Parse((string)(await ScalarAsync(c, "SELECT pg_catalog.current_setting('server_version_num')", ct).ConfigureAwait(false))!, CultureInfo.InvariantCulture);
            checks.Add(versionNum >= MinServerVersionNum
                ? new ProbeCheck("version", true, version)
                : new ProbeCheck("version", false, $"{version}: Ferry needs PostgreSQL 10 or later (logical replication with pgoutput)."));
            var superuser = (bool)(await ScalarAsync(c, "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user", ct).ConfigureAwait(false))!;
            if (asSource) await CheckSourceAsync(c, superuser, checks, ct).ConfigureAwait(false);
            else await CheckDestinationAsync(c, superuser, checks, ct).ConfigureAwait(false);
            return Result(checks, version) with { LogRetention = asSource ? await RetentionAsync(c, ct).ConfigureAwait(false) : null };
        }
    }

    /// <summary>
    /// A slot keeps WAL until it is acknowledged — forever (zero) unless max_slot_wal_keep_size caps it, when a
    /// stream that falls that far behind loses its slot. The cap is in bytes, not time: reported as unknown.
    /// </summary>
    private static async Task<TimeSpan?> RetentionAsync(NpgsqlConnection c, CancellationToken ct) =>
        (string?)await ScalarAsync(c, "SELECT pg_catalog.current_setting('max_slot_wal_keep_size', true)", ct).ConfigureAwait(false) is "-1" or null
            ? TimeSpan.Zero : null;

    private static ProbeResult Result(List<ProbeCheck> checks, string? version) => new(checks.All(x => x.Ok), version, checks);

    private static async Task CheckSourceAsync(NpgsqlConnection c, bool superuser, List<ProbeCheck> checks, CancellationToken ct)
    {
        var walLevel = (string?)await ScalarAsync(c, "SELECT pg_catalog.current_setting('wal_level')", ct).ConfigureAwait(false);
        checks.Add(walLevel == "logical"
            ? new ProbeCheck("wal_level", true, "wal_level is logical.")
            : new ProbeCheck("wal_level", false, $"wal_level is {walLevel}: set wal_level = logical in postgresql.conf (or the cloud provider's parameter group; on Azure Flexible Server azure.replication_support) and restart the server."));

        var replication = superuser || (bool)(await ScalarAsync(c, "SELECT rolreplication FROM pg_catalog.pg_roles WHERE rolname = current_user", ct).ConfigureAwait(false))!;
        checks.Add(replication
            ? new ProbeCheck("replication_role", true, superuser ? "The user is a superuser." : "The user has the REPLICATION attribute.")
            : new ProbeCheck("replication_role", false, "The user may not open a replication connection: ALTER ROLE <user> WITH REPLICATION (as a superuser)."));

        await using (var cmd = new NpgsqlCommand(
            "SELECT pg_catalog.current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int", c))
        {
            var free = (int)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            checks.Add(free > 0
                ? new ProbeCheck("replication_slots", true, $"{free} replication slot(s) free.")
                : new ProbeCheck("replication_slots", false, "No replication slot is free: drop unused slots (SELECT pg_drop_replication_slot(name) for inactive ones in pg_replication_slots) or raise max_replication_slots and restart."));
        }

        // A publication for named tables needs CREATE on the database and ownership of each table; FOR ALL TABLES needs a superuser.
        var create = superuser || (bool)(await ScalarAsync(c, "SELECT pg_catalog.has_database_privilege(current_database(), 'CREATE')", ct).ConfigureAwait(false))!;
        checks.Add(create
            ? new ProbeCheck("publication_rights", true, superuser
                ? "The user is a superuser: it may create publications for any table."
                : "The user may create publications (CREATE on the database); it must also own the tables it publishes.")
            : new ProbeCheck("publication_rights", false, "The user may not create a publication: GRANT CREATE ON DATABASE <db> TO <user>, and make it the owner of the migrated tables (or use a superuser)."));
    }

    private static async Task CheckDestinationAsync(NpgsqlConnection c, bool superuser, List<ProbeCheck> checks, CancellationToken ct)
    {
        var create = superuser || (bool)(await ScalarAsync(c, "SELECT pg_catalog.has_database_privilege(current_database(), 'CREATE')", ct).ConfigureAwait(false))!;
        checks.Add(create
            ? new ProbeCheck("write_privileges", true, "The user may create schemas and tables.")
            : new ProbeCheck("write_privileges", false, "The user may not create schemas: GRANT CREATE ON DATABASE <db> TO <user> (Ferry creates the target schemas and __ferry, where it keeps its checkpoints)."));
    }

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
                $"Cannot connect to {endpoint}: {e.SocketErrorCode} ({e.Message}). Check the host name and port, that the server is running and listen_addresses includes that address.");
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private static string Redact(string message, ConnectionInfo connection) =>
        string.IsNullOrEmpty(connection.Password) ? message : message.Replace(connection.Password, "***", StringComparison.Ordinal);
}
