using Ferry.Abstractions.DataSources;

namespace Ferry.Grains.DataSources;

[GenerateSerializer, Alias("DataSourceState")]
public sealed class DataSourceState
{
    [Id(0)] public DataSourceRecord? Record { get; set; }
}

public sealed class DataSourceGrain([PersistentState("datasource", "ferry")] IPersistentState<DataSourceState> state) : Grain, IDataSourceGrain
{
    public async Task SaveAsync(DataSourceRecord record)
    {
        if (state.State.Record is { } existing) record.UsedBy = existing.UsedBy;
        state.State.Record = record;
        await state.WriteStateAsync();
    }

    public Task<DataSourceRecord?> GetAsync() => Task.FromResult(state.State.Record);

    public async Task DeleteAsync()
    {
        state.State.Record = null;
        await state.ClearStateAsync();
    }

    public async Task SetUsedByAsync(string projectId, bool used)
    {
        var r = state.State.Record;
        if (r is null || used == r.UsedBy.Contains(projectId)) return;
        if (used) r.UsedBy.Add(projectId); else r.UsedBy.Remove(projectId);
        await state.WriteStateAsync();
    }
}
