namespace Ferry.Abstractions.Projects;

/// <summary>Status of one stage of a project (api.md).</summary>
[GenerateSerializer, Alias("StageStatus")]
public enum StageStatus
{
    Pending,
    Running,
    Monitoring,
    Paused,
    Failed,
    Completed,
    Skipped,
}
