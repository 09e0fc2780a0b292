namespace Ferry.Abstractions.Projects;

[GenerateSerializer, Alias("ProjectOptions")]
public sealed class ProjectOptions
{
    [Id(0)] public int FullConcurrency { get; set; } = 4;
    [Id(1)] public int VerifyConcurrency { get; set; } = 4;
    [Id(2)] public bool AutoStart { get; set; }
    [Id(3)] public string AlertLevel { get; set; } = "low";
    [Id(4)] public double LatencyThresholdSeconds { get; set; } = 10;
}
