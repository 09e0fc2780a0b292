using Ferry.Abstractions.Components;
using Ferry.Abstractions.Projects;

namespace Ferry.Grains.Projects;

[GenerateSerializer, Alias("ProjectState")]
public sealed class ProjectState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string TenantId { get; set; } = "";
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public string CreatedBy { get; set; } = "";
    [Id(4)] public ProjectSpec Spec { get; set; } = new();
    [Id(5)] public ProjectStatus Status { get; set; }
    [Id(6)] public List<StageState> Stages { get; set; } = [];
    [Id(7)] public ProjectError? Error { get; set; }
    [Id(8)] public List<TableProgress> Tables { get; set; } = [];
    [Id(9)] public List<ProjectEvent> Events { get; set; } = [];
    /// <summary>The table list is resolved (and created, with the schema stage) before data moves.</summary>
    [Id(10)] public bool Prepared { get; set; }
    [Id(11)] public string? StartPosition { get; set; }
    [Id(12)] public Dictionary<string, ComponentView> Components { get; set; } = [];
    /// <summary>Stages that have reached <c>Monitoring</c>: they go back to it, not to Running, after a pause.</summary>
    [Id(13)] public HashSet<string> Monitored { get; set; } = [];
    /// <summary>DDL statements that stopped the writer, and whether they were skipped.</summary>
    [Id(14)] public List<DdlRecord> Ddls { get; set; } = [];
    /// <summary>How many times objects were changed after the start; each round has its own schema and copy components.</summary>
    [Id(15)] public int Integration { get; set; }
    /// <summary><c>schema</c> or <c>full</c> while tables are being brought in; null otherwise.</summary>
    [Id(16)] public string? IntegrationStep { get; set; }
    [Id(17)] public List<string> IntegratingTables { get; set; } = [];
    /// <summary>Views and deferred constraints of the schema stage.</summary>
    [Id(18)] public List<SchemaObject> SchemaObjects { get; set; } = [];
    /// <summary>Operator decisions on schema objects (source names): replacement DDL, skipped, removed.</summary>
    [Id(19)] public Dictionary<string, string> SchemaDdl { get; set; } = [];
    [Id(20)] public List<string> SchemaSkipped { get; set; } = [];
    [Id(21)] public List<string> SchemaRemoved { get; set; } = [];
    /// <summary>Forward switchover, once started: its steps in order.</summary>
    [Id(22)] public List<SwitchoverStep> Switchover { get; set; } = [];
}
