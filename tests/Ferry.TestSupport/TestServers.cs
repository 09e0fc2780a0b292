using MySqlConnector;

namespace Ferry.TestSupport;

/// <summary>The local servers started by <c>infra/up.sh</c>; environment variables override the defaults.</summary>
public static class TestServers
{
    public static string MariaDbSource =>
        Environment.GetEnvironmentVariable("FERRY_TEST_MARIADB_SOURCE") ?? "Server=127.0.0.1;Port=3307;User ID=root;Password=ferry";

    public static string MariaDbDest =>
        Environment.GetEnvironmentVariable("FERRY_TEST_MARIADB_DEST") ?? "Server=127.0.0.1;Port=3308;User ID=root;Password=ferry";

    public static string MariaDbNoBinlog =>
        Environment.GetEnvironmentVariable("FERRY_TEST_MARIADB_NOBINLOG") ?? "Server=127.0.0.1;Port=3309;User ID=root;Password=ferry";

    public static string PgMeta =>
        Environment.GetEnvironmentVariable("FERRY_TEST_PG_META") ?? "Host=127.0.0.1;Port=5433;Username=postgres;Password=ferry;Database=ferry";

    public static string PgSource =>
        Environment.GetEnvironmentVariable("FERRY_TEST_PG_SOURCE") ?? "Host=127.0.0.1;Port=5434;Username=postgres;Password=ferry;Database=postgres";

    public static string PgDest =>
        Environment.GetEnvironmentVariable("FERRY_TEST_PG_DEST") ?? "Host=127.0.0.1;Port=5435;Username=postgres;Password=ferry;Database=postgres";

    public static string Password => new MySqlConnectionStringBuilder(MariaDbSource).Password;

    public static (string Host, int Port) Endpoint(string mysqlConnectionString)
    {
        var b = new MySqlConnectionStringBuilder(mysqlConnectionString);
        return (b.Server, (int)b.Port);
    }

    /// <summary>A fresh name for a test database, unique per run.</summary>
    public static string UniqueName(string prefix) =>
        $"{prefix}_{DateTime.UtcNow:HHmmss}_{Guid.NewGuid().ToString("N")[..6]}";

    public static async Task<MySqlConnection> OpenAsync(string connectionString, string? database = null)
    {
        var b = new MySqlConnectionStringBuilder(connectionString) { AllowUserVariables = true };
        if (database is not null) b.Database = database;
        var c = new MySqlConnection(b.ConnectionString);
        await c.OpenAsync();
        return c;
    }

    public static async Task ExecAsync(string connectionString, string sql, string? database = null)
    {
        await using var c = await OpenAsync(connectionString, database);
        await using var cmd = new MySqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
