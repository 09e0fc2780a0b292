namespace Ferry.Abstractions.Projects;

/// <summary>The projects that have work to do, so a starting silo can wake them at once (key: <c>active</c>).</summary>
[Alias("IProjectRegistryGrain")]
public interface IProjectRegistryGrain : IGrainWithStringKey
{
    [Alias("SetActive")] Task SetActiveAsync(string projectId, bool active);
    [Alias("List")] Task<List<string>> ListAsync();
}
