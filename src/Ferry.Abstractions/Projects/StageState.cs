namespace Ferry.Abstractions.Projects;

/// <summary>A stage as api.md shows it; fields that do not apply to a stage stay null.</summary>
[GenerateSerializer, Alias("StageState")]
public sealed class StageState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public StageStatus Status { get; set; } = StageStatus.Pending;
    [Id(2)] public double? Progress { get; set; }
    [Id(3)] public DateTimeOffset? StartedAt { get; set; }
    [Id(4)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(5)] public long? EstimatedRows { get; set; }
    [Id(6)] public long? MigratedRows { get; set; }
    [Id(7)] public double? Rps { get; set; }
    [Id(8)] public double? LatencySeconds { get; set; }
    [Id(9)] public CheckpointView? Checkpoint { get; set; }
    [Id(10)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(11)] public long? Inserted { get; set; }
    [Id(12)] public long? Updated { get; set; }
    [Id(13)] public long? Deleted { get; set; }
    [Id(14)] public long? Ddl { get; set; }
    [Id(15)] public int? ConsistentTables { get; set; }
    [Id(16)] public int? InconsistentTables { get; set; }
}

[GenerateSerializer, Alias("CheckpointView")]
public sealed record CheckpointView([property: Id(0)] string Position, [property: Id(1)] DateTimeOffset? Timestamp);
