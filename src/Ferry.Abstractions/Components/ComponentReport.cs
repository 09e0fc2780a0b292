namespace Ferry.Abstractions.Components;

[GenerateSerializer, Alias("ComponentState")]
public enum ComponentState
{
    Idle,
    Running,
    Paused,
    Completed,
    Failed,
}

/// <summary>Progress, completion or failure that a component reports to its project.</summary>
[GenerateSerializer, Alias("ComponentReport")]
public sealed class ComponentReport
{
    [Id(0)] public string ComponentId { get; set; } = "";
    [Id(1)] public string Kind { get; set; } = "";
    /// <summary>The stage this report is about.</summary>
    [Id(2)] public string Stage { get; set; } = "";
    [Id(3)] public ComponentState State { get; set; }
    [Id(4)] public double? Progress { get; set; }
    [Id(5)] public long? EstimatedRows { get; set; }
    [Id(6)] public long? MigratedRows { get; set; }
    [Id(7)] public double? Rps { get; set; }
    [Id(8)] public double? LatencySeconds { get; set; }
    [Id(9)] public string? CheckpointPosition { get; set; }
    [Id(10)] public DateTimeOffset? CheckpointTimestamp { get; set; }
    [Id(11)] public long? Inserted { get; set; }
    [Id(12)] public long? Updated { get; set; }
    [Id(13)] public long? Deleted { get; set; }
    [Id(14)] public long? Ddl { get; set; }
    [Id(15)] public int? ConsistentTables { get; set; }
    [Id(16)] public int? InconsistentTables { get; set; }
    [Id(17)] public string? ErrorCode { get; set; }
    [Id(18)] public string? ErrorMessage { get; set; }
    [Id(19)] public List<Projects.TableProgress> Tables { get; set; } = [];
    [Id(20)] public string? Silo { get; set; }
    /// <summary>The DDL statement that stopped the writer, when that is why it failed.</summary>
    [Id(21)] public Projects.DdlRecord? BlockedDdl { get; set; }
    /// <summary>Schema stage: views and deferred constraints.</summary>
    [Id(22)] public List<Projects.SchemaObject> SchemaObjects { get; set; } = [];
    /// <summary>Tables the writer stopped following (cumulative for its run; the project applies each once).</summary>
    [Id(23)] public List<DepartedTable> Departed { get; set; } = [];
    /// <summary>Schema stage: what will not move losslessly (cross-engine type mappings), one line per column.</summary>
    [Id(24)] public List<string> Warnings { get; set; } = [];
}
