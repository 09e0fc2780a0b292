using Ferry.Engine.Connections;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests;

internal static class Servers
{
    public static ConnectionInfo Info(string connectionString)
    {
        var b = new MySqlConnectionStringBuilder(connectionString);
        return new ConnectionInfo(EngineKind.MariaDb, b.Server, (int)b.Port, b.UserID, b.Password);
    }

    public static ConnectionInfo Source => Info(TestServers.MariaDbSource);
    public static ConnectionInfo Dest => Info(TestServers.MariaDbDest);

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var i in items) list.Add(i);
        return list;
    }
}
