using Ferry.Abstractions.Components;
using Ferry.Grains.Connectors;

namespace Ferry.Grains.Components;

[GenerateSerializer, Alias("StoreState")]
public sealed class StoreState
{
    [Id(0)] public string? StartPosition { get; set; }
}

/// <summary>
/// Owns the source log position a direction starts from (key <c>{projectId}/{direction}</c>): it
/// is taken once, before the full copy reads anything, and never moves afterwards; the source's
/// own log (binlog retention, replication slot) is the durable buffer from there on.
/// </summary>
public sealed class StoreGrain(
    [PersistentState("store", "ferry")] IPersistentState<StoreState> state,
    ConnectorCatalog catalog) : Grain, IStoreGrain
{
    public async Task<string> CaptureStartPositionAsync(DataSourceSecret source, List<TableRoute> tables)
    {
        if (state.State.StartPosition is { } known) return known;
        var conn = catalog.Open(source);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var position = await catalog.For(conn.Kind).OpenChangeSource(conn, this.GetPrimaryKeyString(), Names(tables)).GetCurrentPositionAsync(timeout.Token);
        state.State.StartPosition = position.Value;
        await state.WriteStateAsync();
        return position.Value;
    }

    public Task<string?> GetStartPositionAsync() => Task.FromResult(state.State.StartPosition);

    public async Task IncludeTablesAsync(DataSourceSecret source, List<TableRoute> tables)
    {
        var conn = catalog.Open(source);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await catalog.For(conn.Kind).IncludeTablesAsync(conn, this.GetPrimaryKeyString(), Names(tables), timeout.Token);
    }

    public async Task ReleaseAsync(DataSourceSecret? source)
    {
        if (source is not null)
        {
            var conn = catalog.Open(source);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await catalog.For(conn.Kind).ReleaseStreamAsync(conn, this.GetPrimaryKeyString(), timeout.Token);
        }
        state.State.StartPosition = null;
        await state.ClearStateAsync();
    }

    private static IReadOnlyCollection<Engine.Schema.TableName> Names(List<TableRoute> tables) =>
        tables.Select(t => new Engine.Schema.TableName(t.Database, t.Table)).ToList();
}
