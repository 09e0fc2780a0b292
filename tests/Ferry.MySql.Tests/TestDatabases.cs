using Ferry.Engine.Connections;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests;

/// <summary>Connections to the local servers and per-test databases that are dropped afterwards.</summary>
public sealed class TestDatabases : IAsyncDisposable
{
    private readonly List<(string Cs, string Db)> _created = [];

    public static ConnectionInfo Source => From(TestServers.MariaDbSource);
    public static ConnectionInfo Dest => From(TestServers.MariaDbDest);

    public static ConnectionInfo From(string connectionString)
    {
        var b = new MySqlConnectionStringBuilder(connectionString);
        return new ConnectionInfo(EngineKind.MariaDb, b.Server, (int)b.Port, b.UserID, b.Password);
    }

    /// <summary>A fresh database on the server, with its DDL/DML run in a UTC session.</summary>
    public async Task<string> CreateAsync(string connectionString, string prefix, string? sql = null)
    {
        var db = TestServers.UniqueName(prefix);
        await TestServers.ExecAsync(connectionString, $"CREATE DATABASE `{db}` CHARACTER SET utf8mb4");
        _created.Add((connectionString, db));
        if (sql is not null) await ExecAsync(connectionString, db, sql);
        return db;
    }

    /// <summary>A name for a database the code under test creates.</summary>
    public string Reserve(string connectionString, string prefix)
    {
        var db = TestServers.UniqueName(prefix);
        _created.Add((connectionString, db));
        return db;
    }

    /// <summary>Drops a database of that name on that server afterwards too.</summary>
    public void Track(string connectionString, string db) => _created.Add((connectionString, db));

    public static Task ExecAsync(string connectionString, string db, string sql) =>
        TestServers.ExecAsync(connectionString, "SET time_zone = '+00:00', NAMES utf8mb4; " + sql, db);

    public static async Task<object?> ScalarAsync(string connectionString, string db, string sql)
    {
        await using var c = await TestServers.OpenAsync(connectionString, db);
        await using var cmd = new MySqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (cs, db) in _created)
            await TestServers.ExecAsync(cs, $"DROP DATABASE IF EXISTS `{db}`");
    }
}
