namespace Ferry.Abstractions.Projects;

/// <summary>A project as api.md returns it.</summary>
[GenerateSerializer, Alias("ProjectView")]
public sealed class ProjectView
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string Kind { get; set; } = "";
    [Id(3)] public ProjectStatus Status { get; set; }
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public string CreatedBy { get; set; } = "";
    [Id(6)] public List<string> Tags { get; set; } = [];
    [Id(7)] public string SourceId { get; set; } = "";
    [Id(8)] public string DestinationId { get; set; } = "";
    [Id(9)] public List<StageState> Stages { get; set; } = [];
    [Id(10)] public ProjectError? Error { get; set; }
    [Id(11)] public ObjectRules Objects { get; set; } = new();
    [Id(12)] public ProjectOptions Options { get; set; } = new();
    [Id(13)] public SinkSpec? Sink { get; set; }
    [Id(14)] public string TenantId { get; set; } = "";
}
