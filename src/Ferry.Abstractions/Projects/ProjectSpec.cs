namespace Ferry.Abstractions.Projects;

/// <summary>What the user asked for when creating a project.</summary>
[GenerateSerializer, Alias("ProjectSpec")]
public sealed class ProjectSpec
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public string Kind { get; set; } = "migration";
    [Id(2)] public string SourceId { get; set; } = "";
    [Id(3)] public string DestinationId { get; set; } = "";
    [Id(4)] public List<string> Stages { get; set; } = [];
    [Id(5)] public ObjectRules Objects { get; set; } = new();
    [Id(6)] public ProjectOptions Options { get; set; } = new();
    [Id(7)] public SinkSpec? Sink { get; set; }
    [Id(8)] public List<string> Tags { get; set; } = [];
}
