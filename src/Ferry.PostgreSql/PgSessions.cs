using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Npgsql;

namespace Ferry.PostgreSql;

/// <summary>
/// Every connection Ferry opens, with the session settings its text forms depend on fixed in the startup
/// packet: servers are configured with unlike defaults (time zone, DateStyle, IntervalStyle,
/// extra_float_digits, lc_monetary), and a value read as text on one side is cast back on the other.
/// search_path is pg_catalog only, so every user object must be qualified and <c>format_type</c> names
/// user types with their schema.
/// </summary>
public static class PgSessions
{
    public const string SessionOptions =
        "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3 " +
        "-c bytea_output=hex -c standard_conforming_strings=on -c lc_monetary=C -c search_path=pg_catalog";

    public static string ConnectionString(ConnectionInfo connection, bool replication = false)
    {
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = connection.Host,
            Port = connection.Port,
            Username = connection.User,
            Password = connection.Password,
            Database = string.IsNullOrEmpty(connection.Database) ? "postgres" : connection.Database,
            Options = SessionOptions,
            Timeout = 10,
            CommandTimeout = 0,
            // a pooled connection must not carry one test's (or stream's) temp tables or SET LOCAL into another
            NoResetOnClose = false,
            ApplicationName = "ferry",
        };
        if (replication) b.Pooling = false;
        if (connection.Options is { } options)
            foreach (var (key, value) in options)
                if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase)) b.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true);
        return b.ConnectionString;
    }

    public static async Task<NpgsqlConnection> OpenAsync(ConnectionInfo connection, CancellationToken ct)
    {
        var c = new NpgsqlConnection(ConnectionString(connection));
        try
        {
            await c.OpenAsync(ct).ConfigureAwait(false);
            return c;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            await c.DisposeAsync().ConfigureAwait(false);
            throw new FerryException("datasource.auth-failed", $"the server rejected the login of {connection} ({e.SqlState}: {e.MessageText})", e);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await c.DisposeAsync().ConfigureAwait(false);
            throw new FerryException("datasource.unreachable", $"cannot open a session on {connection}: {e.Message}", e, transient: Failures.IsTransient(e));
        }
    }

    public static async Task ExecuteAsync(NpgsqlConnection c, string sql, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
