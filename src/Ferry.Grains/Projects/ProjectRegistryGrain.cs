using Ferry.Abstractions.Projects;

namespace Ferry.Grains.Projects;

[GenerateSerializer, Alias("ProjectRegistryState")]
public sealed class ProjectRegistryState
{
    [Id(0)] public List<string> Active { get; set; } = [];
}

public sealed class ProjectRegistryGrain([PersistentState("registry", "ferry")] IPersistentState<ProjectRegistryState> state)
    : Grain, IProjectRegistryGrain
{
    public async Task SetActiveAsync(string projectId, bool active)
    {
        var l = state.State.Active;
        if (active == l.Contains(projectId)) return;
        if (active) l.Add(projectId); else l.Remove(projectId);
        await state.WriteStateAsync();
    }

    public Task<List<string>> ListAsync() => Task.FromResult(state.State.Active.ToList());
}
