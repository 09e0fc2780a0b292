namespace Ferry.Abstractions.Components;

/// <summary>What a component grain is asked to do; persisted by the component so it can resume alone.</summary>
[GenerateSerializer, Alias("ComponentSpec")]
public sealed class ComponentSpec
{
    [Id(0)] public string ProjectId { get; set; } = "";
    /// <summary><c>schema</c>, <c>full</c>, <c>verify</c> (checker) or <c>forward</c> (store, writer).</summary>
    [Id(1)] public string Mode { get; set; } = "";
    [Id(2)] public DataSourceSecret Source { get; set; } = null!;
    [Id(3)] public DataSourceSecret Destination { get; set; } = null!;
    [Id(4)] public List<TableRoute> Tables { get; set; } = [];
    /// <summary>Where the log reader starts when the destination holds no checkpoint yet.</summary>
    [Id(5)] public string? StartPosition { get; set; }
    [Id(6)] public int Concurrency { get; set; } = 4;
    [Id(7)] public double LatencyThresholdSeconds { get; set; } = 10;
    /// <summary>For the schema checker: the rules that select tables.</summary>
    [Id(8)] public Projects.ObjectRules? Objects { get; set; }
    /// <summary>For the schema checker: create the tables on the destination (the <c>schema</c> stage), or only resolve them.</summary>
    [Id(9)] public bool CreateSchema { get; set; }
    /// <summary>For the schema checker: the project streams changes, so tables that cannot be kept in sync are flagged.</summary>
    [Id(10)] public bool Incremental { get; set; }
    /// <summary>For the writer: resume past a skipped DDL statement — when the checkpoint is <see cref="SkipFrom"/>, continue at <see cref="SkipTo"/>.</summary>
    [Id(11)] public string? SkipFrom { get; set; }
    [Id(12)] public string? SkipTo { get; set; }
    /// <summary>Schema checker: leave non-unique indexes out; full checker: add them after the copy.</summary>
    [Id(13)] public bool DeferSecondaryIndexes { get; set; }
    /// <summary>Schema checker: DDL an operator gave for an object (by source name) in place of the generated one.</summary>
    [Id(14)] public Dictionary<string, string> SchemaDdl { get; set; } = [];
    /// <summary>Schema checker: objects an operator skipped (not created by Ferry; data stages go on) or removed (left out altogether).</summary>
    [Id(15)] public List<string> SchemaSkipped { get; set; } = [];
    [Id(16)] public List<string> SchemaRemoved { get; set; } = [];
    /// <summary>Full checker of a project without incremental: foreign keys and CHECKs to add once the copy is done.</summary>
    [Id(17)] public List<Projects.SchemaObject> DeferredConstraints { get; set; } = [];
}
