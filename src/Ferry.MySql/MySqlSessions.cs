using Ferry.Engine.Connections;
using MySqlConnector;

namespace Ferry.MySql;

/// <summary>
/// Every Ferry session to a MySQL-family server is opened here, with everything it relies on set
/// explicitly: utf8mb4, UTC, a strict SQL mode, no driver reinterpretation of values. Source and
/// destination servers may have any defaults.
/// </summary>
public static class MySqlSessions
{
    private const string Setup =
        "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', " +
        "foreign_key_checks = 0, unique_checks = 1";

    public static string ConnectionString(ConnectionInfo c, string? database = null) => new MySqlConnectionStringBuilder
    {
        Server = c.Host,
        Port = (uint)c.Port,
        UserID = c.User,
        Password = c.Password,
        Database = database ?? "",
        CharacterSet = "utf8mb4",
        AllowLoadLocalInfile = true,
        AllowUserVariables = true,
        TreatTinyAsBoolean = false,
        GuidFormat = MySqlGuidFormat.None,
        ConvertZeroDateTime = false,
        AllowZeroDateTime = false,
        ConnectionTimeout = 15,
        DefaultCommandTimeout = 0,
        Pooling = true,
        MaximumPoolSize = 64,
        ConnectionReset = true,
        SslMode = MySqlSslMode.Preferred,
    }.ConnectionString;

    public static async Task<MySqlConnection> OpenAsync(ConnectionInfo c, CancellationToken ct, string? database = null)
    {
        var conn = new MySqlConnection(ConnectionString(c, database));
        try
        {
            await conn.OpenAsync(ct);
            await using var cmd = new MySqlCommand(Setup, conn);
            await cmd.ExecuteNonQueryAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>A backtick-quoted identifier.</summary>
    public static string Q(string identifier) => "`" + identifier.Replace("`", "``") + "`";

    public static string Q(Engine.Schema.TableName t) => Q(t.Database) + "." + Q(t.Table);
}
