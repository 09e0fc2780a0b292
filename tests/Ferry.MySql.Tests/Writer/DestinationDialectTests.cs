using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Writer;

/// <summary>
/// MariaDB-only table syntax converted for MySQL, OceanBase and TiDB destinations. No such servers run
/// here, so the converted statements are checked for what each engine refuses, and run on the MariaDB
/// destination (which takes MySQL syntax) to show they are still valid and keep every column.
/// </summary>
public sealed class DestinationDialectTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("dialect");

    public Task InitializeAsync() => TestServers.ExecAsync(TestServers.MariaDbSource, $"""
        CREATE DATABASE `{_db}`;
        CREATE TABLE `{_db}`.aria (
          id INT NOT NULL PRIMARY KEY, a INT, g INT AS (a * 2) PERSISTENT, v INT AS (a + 1) VIRTUAL,
          hidden INT INVISIBLE, doc TEXT COMPRESSED, pt POINT NOT NULL, body TEXT,
          SPATIAL KEY sp (pt), FULLTEXT KEY ft (body), KEY by_a (a)
        ) ENGINE=Aria;
        CREATE TABLE `{_db}`.versioned (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING;
        """);

    public async Task DisposeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        foreach (var suffix in new[] { "mysql", "oceanbase", "tidb" })
            await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}_{suffix}`");
    }

    private static async Task<TableSchema> ReadAsync(string db, string table) =>
        (await new MySqlSnapshotSource(Servers.Source).ReadTableAsync(new TableName(db, table), CancellationToken.None))!;

    [Theory]
    [InlineData(EngineKind.MySql, "mysql")]
    [InlineData(EngineKind.OceanBaseMySql, "oceanbase")]
    [InlineData(EngineKind.TiDb, "tidb")]
    public async Task MariaDb_only_syntax_is_converted_and_the_table_keeps_its_columns(EngineKind kind, string suffix)
    {
        var source = await ReadAsync(_db, "aria");
        var converted = DestinationDialect.Convert(source.CreateStatement!, kind);
        Assert.DoesNotContain("Aria", converted);
        Assert.DoesNotContain("PAGE_CHECKSUM", converted);
        Assert.DoesNotContain("COMPRESSED", converted);
        Assert.Contains("ENGINE=InnoDB", converted);
        Assert.Equal(kind != EngineKind.TiDb, converted.Contains("SPATIAL KEY"));
        Assert.Equal(kind != EngineKind.TiDb, converted.Contains("FULLTEXT KEY"));
        Assert.Equal(kind != EngineKind.TiDb, converted.Contains("INVISIBLE"));

        // The statement Ferry runs for such a destination is valid MySQL syntax: the MariaDB destination runs it.
        var dest = Servers.Dest with { Kind = kind };
        var target = new TableName($"{_db}_{suffix}", "aria");
        await new MySqlDestination(dest).CreateTableAsync(new TableMapping(source, target), CancellationToken.None);
        var created = await ReadAsync2(target);
        // Same columns and types; only the storage attribute COMPRESSED is gone.
        Assert.Equal(source.Columns.Select(c => (c.Name, c.ColumnType.Replace(" /*M!100301 COMPRESSED*/", ""), c.IsGenerated)),
            created.Columns.Select(c => (c.Name, c.ColumnType, c.IsGenerated)));
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbDest);
        await using var cmd = new MySqlCommand("SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d AND TABLE_NAME = 'aria'", c);
        cmd.Parameters.AddWithValue("@d", target.Database);
        Assert.Equal("InnoDB", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_MariaDb_destination_gets_the_statement_unchanged_and_system_versioning_is_refused_elsewhere()
    {
        var aria = await ReadAsync(_db, "aria");
        Assert.Equal(aria.CreateStatement, DestinationDialect.Convert(aria.CreateStatement!, EngineKind.MariaDb));
        var versioned = await ReadAsync(_db, "versioned");
        var e = Assert.Throws<FerryException>(() => DestinationDialect.Convert(versioned.CreateStatement!, EngineKind.TiDb));
        Assert.Contains("SYSTEM VERSIONING", e.Message);
    }

    private static async Task<TableSchema> ReadAsync2(TableName table) =>
        (await new MySqlSnapshotSource(Servers.Dest).ReadTableAsync(table, CancellationToken.None))!;
}
