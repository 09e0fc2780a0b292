using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using MySqlConnector;

namespace Ferry.MySql;

/// <summary>
/// Every Ferry session to a MySQL-family server is configured here, because the servers we meet
/// differ in default time zone, charset and sql_mode and Ferry must never depend on those defaults.
/// </summary>
public static class MySqlSessions
{
    /// <summary>
    /// NO_AUTO_VALUE_ON_ZERO keeps an explicit 0 in an AUTO_INCREMENT column; strict mode turns a
    /// lossy write into an error instead of a silent truncation; no ANSI_QUOTES (we quote with backticks).
    /// </summary>
    public const string SqlMode = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO";

    public static string ConnectionString(ConnectionInfo connection, bool forWriting, string? database = null)
    {
        var b = new MySqlConnectionStringBuilder
        {
            Server = connection.Host,
            Port = (uint)connection.Port,
            UserID = connection.User,
            Password = connection.Password,
            Database = database ?? connection.Database ?? string.Empty,
            CharacterSet = "utf8mb4",
            Pooling = true,
            MaximumPoolSize = 50,
            ConnectionReset = true,
            // values are never reinterpreted: TINYINT(1) stays a number, BINARY(16) stays bytes
            TreatTinyAsBoolean = false,
            GuidFormat = MySqlGuidFormat.None,
            // zero dates ('0000-00-00') read as DateTime.MinValue instead of throwing (RowValues has no zero date)
            AllowZeroDateTime = false,
            ConvertZeroDateTime = true,
            DateTimeKind = MySqlDateTimeKind.Unspecified,
            AllowUserVariables = false,
            UseAffectedRows = false,
            AllowLoadLocalInfile = forWriting,
            ConnectionTimeout = 15,
            DefaultCommandTimeout = 0,
            ApplicationName = "ferry",
        };
        TlsSettings.From(connection).Apply(b);
        return b.ConnectionString;
    }

    /// <summary>Opens a pooled connection and sets the session state every Ferry statement relies on.</summary>
    public static async Task<MySqlConnection> OpenAsync(ConnectionInfo connection, bool forWriting, CancellationToken ct)
    {
        var c = new MySqlConnection(ConnectionString(connection, forWriting));
        try
        {
            try { await c.OpenAsync(ct).ConfigureAwait(false); }
            catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.UnableToConnectToHost
                                           && e.Message.Contains("not support SSL", StringComparison.OrdinalIgnoreCase))
            {
                // the same codes and wording as the binlog client, so either path reads alike
                throw new FerryException("datasource.tls-unavailable",
                    $"sslMode is {TlsSettings.From(connection).Mode} but the server at {connection.Host}:{connection.Port} does not offer TLS " +
                    "(configure ssl_cert/ssl_key on it, or set sslMode to preferred or disabled)", e);
            }
            catch (MySqlException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
            {
                throw new FerryException("datasource.tls-verify-failed",
                    $"sslMode is {TlsSettings.From(connection).Mode} and the certificate of {connection.Host}:{connection.Port} " +
                    $"did not pass verification (check sslCa, and the host name for verify-full): {e.InnerException.Message}", e);
            }
            // pooled connections are reset on reuse, so the session is set on every open
            var init = "SET NAMES utf8mb4, time_zone = '+00:00', sql_mode = '" + SqlMode + "'" +
                       // the destination is loaded in parallel chunks and replayed out of FK order
                       (forWriting ? ", foreign_key_checks = 0" : string.Empty);
            await using var cmd = new MySqlCommand(init, c);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return c;
        }
        catch
        {
            await c.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
