using Ferry.Engine.Changes;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Writer;
using Ferry.TestSupport;

namespace Ferry.PostgreSql.Tests;

/// <summary>The writer's schema history and table renames on a PostgreSQL destination.</summary>
public sealed class SchemaHistoryTests
{
    [Fact]
    public async Task Definitions_are_recorded_with_the_checkpoint_and_read_back_in_order_and_release_forgets_them()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgDest);
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        var stream = TestServers.UniqueName("history");
        var t = new TableName(s, "t");
        var v1 = new TableSchema(t, [new ColumnSchema("id", "int4", "integer", false)], ["id"]);
        var v2 = v1 with { Columns = [.. v1.Columns, new ColumnSchema("note", "text", "text", true)] };
        await dest.RecordSchemasAsync(stream, new LogPosition("0/10"), [new SchemaHistoryEntry(t, new LogPosition("0/10"), v1, t, "taken from the source")], CancellationToken.None);
        await dest.RecordSchemasAsync(stream, new LogPosition("0/20"),
            [new SchemaHistoryEntry(t, new LogPosition("0/20"), v2, t, "changed"), new SchemaHistoryEntry(new TableName(s, "gone"), new LogPosition("0/20"), null, null, "dropped")],
            CancellationToken.None);
        Assert.Equal(new LogPosition("0/20"), await dest.ReadCheckpointAsync(stream, CancellationToken.None));
        var history = await dest.ReadSchemaHistoryAsync(stream, CancellationToken.None);
        Assert.Equal(["0/10", "0/20", "0/20"], history.Select(h => h.Position.Value));
        Assert.Equal(["id", "note"], history[1].Schema!.Columns.Select(c => c.Name));
        Assert.Null(history[2].Schema);
        Assert.Equal("dropped", history[2].Note);

        await dest.DeleteCheckpointAsync(stream, CancellationToken.None);
        Assert.Empty(await dest.ReadSchemaHistoryAsync(stream, CancellationToken.None));
        Assert.Null(await dest.ReadCheckpointAsync(stream, CancellationToken.None));
    }

    [Fact]
    public async Task A_swap_runs_once_even_when_the_statement_is_replayed()
    {
        await using var servers = new PgTestServers();
        var s = await servers.SchemaAsync(TestServers.PgDest);
        var other = await servers.SchemaAsync(TestServers.PgDest);
        await PgTestServers.ExecAsync(TestServers.PgDest, $"CREATE TABLE \"{s}\".a (a_col int); CREATE TABLE \"{s}\".b (b_col int); CREATE TABLE \"{s}\".c (c_col int)");
        var dest = new PostgreSqlDestination(PgTestServers.Dest);
        var stream = TestServers.UniqueName("rename");
        servers.OnDispose(TestServers.PgDest, $"DELETE FROM \"__ferry\".ferry_renames WHERE stream = '{stream}'");
        TableName T(string schema, string name) => new(schema, name);
        var swap = new List<(TableName, TableName)> { (T(s, "a"), T(s, "b")), (T(s, "b"), T(s, "a")), (T(s, "c"), T(other, "c2")) };
        Assert.NotNull(await dest.RenameTablesAsync(swap, stream, new LogPosition("0/40"), CancellationToken.None));
        // The same statement again (its checkpoint was lost in a crash): nothing happens, nothing swaps back.
        Assert.Null(await dest.RenameTablesAsync(swap, stream, new LogPosition("0/40"), CancellationToken.None));
        Assert.Equal("b_col", await PgTestServers.ScalarAsync(TestServers.PgDest,
            $"SELECT column_name FROM information_schema.columns WHERE table_schema = '{s}' AND table_name = 'a'"));
        Assert.Equal("a_col", await PgTestServers.ScalarAsync(TestServers.PgDest,
            $"SELECT column_name FROM information_schema.columns WHERE table_schema = '{s}' AND table_name = 'b'"));
        Assert.Equal("c_col", await PgTestServers.ScalarAsync(TestServers.PgDest,
            $"SELECT column_name FROM information_schema.columns WHERE table_schema = '{other}' AND table_name = 'c2'"));
    }
}
