namespace Ferry.Abstractions.Projects;

/// <summary>Status of a project (api.md).</summary>
[GenerateSerializer, Alias("ProjectStatus")]
public enum ProjectStatus
{
    NotStarted,
    Running,
    Modifying,
    Integrating,
    Paused,
    Failed,
    Completed,
    Releasing,
    Released,
}
