using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.MySql.Writer;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Writer;

public sealed class ApplyTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("apply");
    private TableMapping _mapping = null!;
    private readonly MySqlDestination _dest = new(Servers.Dest);

    public async Task InitializeAsync()
    {
        foreach (var cs in new[] { TestServers.MariaDbSource, TestServers.MariaDbDest })
            await TestServers.ExecAsync(cs, $"CREATE DATABASE `{_db}`; CREATE TABLE `{_db}`.k (id INT PRIMARY KEY, v VARCHAR(20), u INT, UNIQUE KEY (u))");
        var schema = (await new MySqlSnapshotSource(Servers.Source).ReadTableAsync(new TableName(_db, "k"), CancellationToken.None))!;
        _mapping = new TableMapping(schema, new TableName(_db, "k"));
    }

    public async Task DisposeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
    }

    private RowChange Ins(long id, string v, long? u = null) => new(_mapping.Source.Name, ChangeKind.Insert, null, [id, v, u]);
    private RowChange Upd(object?[] before, object?[] after) => new(_mapping.Source.Name, ChangeKind.Update, before, after);
    private RowChange Del(long id, string v, long? u = null) => new(_mapping.Source.Name, ChangeKind.Delete, [id, v, u], null);

    private async Task<List<string>> DestRowsAsync() =>
        (await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, _db, "k")).ToList();

    [Fact]
    public async Task Applying_a_batch_twice_gives_the_same_rows_and_the_checkpoint_reads_back()
    {
        var stream = "test/" + _db;
        var batch = new List<TransactionEvent>
        {
            new([Ins(1, "a", 10), Ins(2, "b", 20), Ins(3, "c", 30)], new LogPosition("f.000001:100"), DateTimeOffset.UtcNow),
            new([Upd([1L, "a", 10L], [1L, "a2", 11L]), Upd([2L, "b", 20L], [5L, "b-moved", 20L]), Del(3, "c", 30)], new LogPosition("f.000001:200"), DateTimeOffset.UtcNow),
            new([Ins(3, "again", 30), Upd([3L, "again", 30L], [3L, "final", 31L])], new LogPosition("f.000001:300"), DateTimeOffset.UtcNow),
        };
        await _dest.ApplyAsync(batch, t => t == _mapping.Source.Name ? _mapping : null, stream, new LogPosition("f.000001:300"), CancellationToken.None);
        var once = await DestRowsAsync();
        await _dest.ApplyAsync(batch, t => t == _mapping.Source.Name ? _mapping : null, stream, new LogPosition("f.000001:300"), CancellationToken.None);
        Assert.Equal(once, await DestRowsAsync());
        Assert.Equal(3, once.Count);
        // Values are hex: id 1 → "a2"/11, id 5 ← "b-moved"/20 (its key changed from 2), id 3 → "final"/31.
        Assert.Equal(["id=31 v=6132 u=3131 ", "id=33 v=66696E616C u=3331 ", "id=35 v=622D6D6F766564 u=3230 "], once);
        Assert.Equal(new LogPosition("f.000001:300"), await _dest.ReadCheckpointAsync(stream, CancellationToken.None));
        await _dest.DeleteCheckpointAsync(stream, CancellationToken.None);
        Assert.Null(await _dest.ReadCheckpointAsync(stream, CancellationToken.None));
    }

    [Fact]
    public async Task A_failing_batch_leaves_neither_rows_nor_checkpoint()
    {
        var stream = "fail/" + _db;
        await _dest.WriteCheckpointAsync(stream, new LogPosition("f.000001:50"), CancellationToken.None);
        var tooLong = new string('x', 50); // v is VARCHAR(20): strict mode refuses it
        var batch = new List<TransactionEvent>
        {
            new([Ins(7, "fine")], new LogPosition("f.000001:60"), DateTimeOffset.UtcNow),
            new([Ins(8, tooLong)], new LogPosition("f.000001:70"), DateTimeOffset.UtcNow),
        };
        await Assert.ThrowsAsync<MySqlException>(() =>
            _dest.ApplyAsync(batch, _ => _mapping, stream, new LogPosition("f.000001:70"), CancellationToken.None));
        Assert.Empty(await DestRowsAsync());
        Assert.Equal(new LogPosition("f.000001:50"), await _dest.ReadCheckpointAsync(stream, CancellationToken.None));
    }
}
