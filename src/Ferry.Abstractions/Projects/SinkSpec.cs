namespace Ferry.Abstractions.Projects;

/// <summary>Where a <c>sync</c> project writes on Kafka.</summary>
[GenerateSerializer, Alias("SinkSpec")]
public sealed class SinkSpec
{
    [Id(0)] public string Topic { get; set; } = "{database}.{table}";
    [Id(1)] public string Format { get; set; } = "default";
    [Id(2)] public string Partitioning { get; set; } = "primaryKey";
}
