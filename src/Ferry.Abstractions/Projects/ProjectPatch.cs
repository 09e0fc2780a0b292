namespace Ferry.Abstractions.Projects;

/// <summary>The fields <c>PATCH /projects/{id}</c> may change; null means unchanged.</summary>
[GenerateSerializer, Alias("ProjectPatch")]
public sealed class ProjectPatch
{
    [Id(0)] public string? Name { get; set; }
    [Id(1)] public List<string>? Tags { get; set; }
    [Id(2)] public ProjectOptions? Options { get; set; }
    [Id(3)] public ObjectRules? Objects { get; set; }
}
