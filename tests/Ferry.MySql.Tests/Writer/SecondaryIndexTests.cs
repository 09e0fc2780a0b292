using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Writer;

public sealed class SecondaryIndexTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("idx");

    public Task InitializeAsync() => TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}`");

    public async Task DisposeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
    }

    private async Task<List<string>> DestIndexesAsync(string table)
    {
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbDest);
        await using var cmd = new MySqlCommand(
            "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t ORDER BY INDEX_NAME", c);
        cmd.Parameters.AddWithValue("@d", _db);
        cmd.Parameters.AddWithValue("@t", table);
        var names = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) names.Add(r.GetString(0));
        return names;
    }

    [Fact]
    public async Task Non_unique_indexes_wait_for_the_copy_and_are_then_added_once()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(20), c TEXT, u INT,
              UNIQUE KEY uq (u), KEY `by a` (a), KEY ab (a, b(10)), FULLTEXT KEY ft (c)) ENGINE=InnoDB
            """, _db);
        var schema = (await new MySqlSnapshotSource(Servers.Source).ReadTableAsync(new TableName(_db, "t"), default))!;
        Assert.Equal(["by a", "ab", "ft"], SecondaryIndexes.Of(schema.CreateStatement!).Select(i => i.Name));
        var dest = new MySqlDestination(Servers.Dest);
        var mapping = new TableMapping(schema, new TableName(_db, "t"));

        await dest.CreateTableAsync(mapping, default, deferSecondaryIndexes: true);
        Assert.Equal(["PRIMARY", "uq"], await DestIndexesAsync("t"));
        var ddl = await dest.CreateSecondaryIndexesAsync(mapping, default);
        Assert.NotNull(ddl);
        Assert.Equal(["PRIMARY", "ab", "by a", "ft", "uq"], (await DestIndexesAsync("t")).Order(StringComparer.Ordinal));
        Assert.Null(await dest.CreateSecondaryIndexesAsync(mapping, default));

        // Both sides now have the same definition.
        await using var s = await TestServers.OpenAsync(TestServers.MariaDbSource, _db);
        await using var d = await TestServers.OpenAsync(TestServers.MariaDbDest, _db);
        async Task<string> Create(MySqlConnection c)
        {
            await using var cmd = new MySqlCommand("SHOW CREATE TABLE t", c);
            await using var r = await cmd.ExecuteReaderAsync();
            await r.ReadAsync();
            return r.GetString(1);
        }
        Assert.Equal(SecondaryIndexes.Of(await Create(s)).Select(i => i.Definition).Order(), SecondaryIndexes.Of(await Create(d)).Select(i => i.Definition).Order());
    }
}
