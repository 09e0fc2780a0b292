namespace Ferry.Abstractions.Projects;

/// <summary>
/// A schema object of a project that is not a migrated table: a view, or a foreign key or CHECK
/// constraint held back until switchover (rows arrive in chunks and out of order, so they would fail
/// them meanwhile). Tables are <see cref="TableProgress"/>.
/// </summary>
[GenerateSerializer, Alias("SchemaObject")]
public sealed class SchemaObject
{
    /// <summary><c>db.view</c>, or <c>db.table.constraint</c> (source names).</summary>
    [Id(0)] public string Name { get; set; } = "";
    /// <summary><c>view</c>, <c>foreignKey</c> or <c>check</c>.</summary>
    [Id(1)] public string Kind { get; set; } = "";
    [Id(2)] public StageStatus Status { get; set; }
    /// <summary>The statement for the destination (run, or to be run at switchover).</summary>
    [Id(3)] public string? Ddl { get; set; }
    [Id(4)] public string? Error { get; set; }
    /// <summary>What happens to it, e.g. that it is applied at switchover.</summary>
    [Id(5)] public string? Detail { get; set; }
}
