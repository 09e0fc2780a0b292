using Ferry.Engine.Changes;
using Ferry.Engine.Schema;
using Ferry.MySql.Binlog;
using Ferry.MySql.Writer;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Writer;

public sealed class DdlApplyTests
{
    [Theory]
    [InlineData("ALTER TABLE t CHANGE COLUMN v w VARCHAR(20)")]
    [InlineData("ALTER TABLE t RENAME COLUMN v TO w")]
    [InlineData("ALTER TABLE t RENAME INDEX by_v TO by_w")]
    [InlineData("ALTER TABLE t ADD COLUMN x INT, ADD KEY by_x (x)")]
    [InlineData("ALTER TABLE t DROP COLUMN v")]
    [InlineData("ALTER TABLE t MODIFY COLUMN v VARCHAR(30) NOT NULL DEFAULT 'd', ALTER COLUMN n SET DEFAULT 4")]
    [InlineData("CREATE TABLE t2 LIKE t")]
    public async Task A_statement_replayed_after_a_crash_before_its_checkpoint_counts_as_done(string statement)
    {
        await using var dbs = new TestDatabases();
        var source = await dbs.CreateAsync(TestServers.MariaDbSource, "ddlsrc");
        var target = await dbs.CreateAsync(TestServers.MariaDbDest, "ddldst",
            "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), n INT NOT NULL DEFAULT 1, KEY by_v (v))");
        var dest = new MySqlDestination(TestDatabases.Dest);
        var ddl = new DdlEvent(source, statement, new LogPosition("bin.000001:500"), DateTimeOffset.UtcNow, DdlParser.Parse(statement, source));
        var targets = ddl.Plan!.Tables.ToDictionary(r => r.Table, r => new TableName(target, r.Table.Table));

        await dest.ApplyDdlAsync(ddl, targets, "replay", ddl.Position, default);
        var once = await ShowCreateAsync(target);
        await dest.ApplyDdlAsync(ddl, targets, "replay", ddl.Position, default);
        Assert.Equal(once, await ShowCreateAsync(target));
    }

    /// <summary>The destination's own DDL of each table in the database.</summary>
    private static async Task<string> ShowCreateAsync(string db)
    {
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbDest, db);
        var tables = new List<string>();
        await using (var list = new MySqlCommand("SHOW TABLES", c))
        await using (var r = await list.ExecuteReaderAsync())
            while (await r.ReadAsync()) tables.Add(r.GetString(0));
        var ddl = new List<string>();
        foreach (var t in tables.Order())
        {
            await using var show = new MySqlCommand($"SHOW CREATE TABLE {MySqlTableComparer.Q(t)}", c);
            await using var r = await show.ExecuteReaderAsync();
            await r.ReadAsync();
            ddl.Add(r.GetString(1));
        }
        return string.Join("\n", ddl);
    }
}
