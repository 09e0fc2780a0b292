namespace Ferry.Abstractions.Tenants;

/// <summary>A tenant's registry of data sources and projects (key: tenant id).</summary>
[Alias("ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    [Alias("Ensure")] Task EnsureAsync(string name);
    [Alias("GetName")] Task<string?> GetNameAsync();
    [Alias("AddDataSource")] Task AddDataSourceAsync(string id);
    [Alias("RemoveDataSource")] Task RemoveDataSourceAsync(string id);
    [Alias("ListDataSources")] Task<List<string>> ListDataSourcesAsync();
    [Alias("AddProject")] Task AddProjectAsync(string id);
    [Alias("RemoveProject")] Task RemoveProjectAsync(string id);
    [Alias("ListProjects")] Task<List<string>> ListProjectsAsync();
    [Alias("AddUser")] Task AddUserAsync(UserRecord user);
    [Alias("RemoveUser")] Task<UserRecord?> RemoveUserAsync(string id);
    [Alias("ListUsers")] Task<List<UserRecord>> ListUsersAsync();
}
