using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Writer;

public sealed class BulkLoadFailureTests
{
    private static async IAsyncEnumerable<object?[]> FailingAfter(int n)
    {
        for (var i = 1; i <= n; i++)
        {
            await Task.Yield();
            yield return [(long)i, "v" + i];
        }
        throw new InvalidOperationException("source connection lost");
    }

    [Fact]
    public async Task A_failing_source_fails_the_load()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "bulkfail", "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20));");
        var table = (await new MySqlSnapshotSource(TestDatabases.Source).ReadTableAsync(new TableName(db, "t"), default))!;
        var mapping = new TableMapping(table, new TableName(dbs.Reserve(TestServers.MariaDbDest, "bulkfail_dst"), "t"));
        var dest = new MySqlDestination(TestDatabases.Dest);
        await dest.CreateTableAsync(mapping, default);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => dest.BulkLoadAsync(mapping, FailingAfter(5000), default));
        Assert.Contains("source connection lost", e.ToString());

        // the pool is still healthy afterwards
        Assert.Equal(3, await dest.BulkLoadAsync(mapping, FailingAfterNothing(), default));
    }

    private static async IAsyncEnumerable<object?[]> FailingAfterNothing()
    {
        await Task.Yield();
        for (var i = 1; i <= 3; i++) yield return [(long)i, "ok"];
    }

    [Fact]
    public async Task A_lossy_load_is_an_error_not_a_warning()
    {
        await using var dbs = new TestDatabases();
        var db = await dbs.CreateAsync(TestServers.MariaDbSource, "lossy", "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20));");
        var table = (await new MySqlSnapshotSource(TestDatabases.Source).ReadTableAsync(new TableName(db, "t"), default))!;
        var targetDb = await dbs.CreateAsync(TestServers.MariaDbDest, "lossy_dst", "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(1));");
        var dest = new MySqlDestination(TestDatabases.Dest);
        // strict sql_mode makes the server reject it; were it only a warning, the writer raises writer.bulk_load_lossy
        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            dest.BulkLoadAsync(new TableMapping(table, new TableName(targetDb, "t")), FailingAfterNothing(), default));
        Assert.True(e is MySqlException or FerryException { Code: "writer.bulk_load_lossy" }, e.ToString());
        Assert.Equal(0L, Convert.ToInt64(await TestDatabases.ScalarAsync(TestServers.MariaDbDest, targetDb, "SELECT COUNT(*) FROM t")));
    }
}
