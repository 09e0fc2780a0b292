using Ferry.Abstractions.Tenants;

namespace Ferry.Grains.Tenants;

[GenerateSerializer, Alias("TenantState")]
public sealed class TenantState
{
    [Id(0)] public string? Name { get; set; }
    [Id(1)] public List<string> DataSources { get; set; } = [];
    [Id(2)] public List<string> Projects { get; set; } = [];
    [Id(3)] public List<UserRecord> Users { get; set; } = [];
}

public sealed class TenantGrain([PersistentState("tenant", "ferry")] IPersistentState<TenantState> state) : Grain, ITenantGrain
{
    public async Task EnsureAsync(string name)
    {
        if (state.State.Name == name) return;
        state.State.Name = name;
        await state.WriteStateAsync();
    }

    public Task<string?> GetNameAsync() => Task.FromResult(state.State.Name);

    public Task AddDataSourceAsync(string id) => Change(s => s.DataSources, id, add: true);
    public Task RemoveDataSourceAsync(string id) => Change(s => s.DataSources, id, add: false);
    public Task<List<string>> ListDataSourcesAsync() => Task.FromResult(state.State.DataSources.ToList());
    public Task AddProjectAsync(string id) => Change(s => s.Projects, id, add: true);
    public Task RemoveProjectAsync(string id) => Change(s => s.Projects, id, add: false);
    public Task<List<string>> ListProjectsAsync() => Task.FromResult(state.State.Projects.ToList());

    public async Task AddUserAsync(UserRecord user)
    {
        state.State.Users.RemoveAll(u => u.Id == user.Id);
        state.State.Users.Add(user);
        await state.WriteStateAsync();
    }

    public async Task<UserRecord?> RemoveUserAsync(string id)
    {
        var user = state.State.Users.FirstOrDefault(u => u.Id == id);
        if (user is null) return null;
        state.State.Users.Remove(user);
        await state.WriteStateAsync();
        return user;
    }

    public Task<List<UserRecord>> ListUsersAsync() => Task.FromResult(state.State.Users.ToList());

    private async Task Change(Func<TenantState, List<string>> list, string id, bool add)
    {
        var l = list(state.State);
        if (add == l.Contains(id)) return;
        if (add) l.Add(id); else l.Remove(id);
        await state.WriteStateAsync();
    }
}
