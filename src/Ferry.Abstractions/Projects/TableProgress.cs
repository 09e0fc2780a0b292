namespace Ferry.Abstractions.Projects;

/// <summary>A table of a project: where it goes and how far each stage got with it.</summary>
[GenerateSerializer, Alias("TableProgress")]
public sealed class TableProgress
{
    [Id(0)] public string Database { get; set; } = "";
    [Id(1)] public string Table { get; set; } = "";
    [Id(2)] public string DestDatabase { get; set; } = "";
    [Id(3)] public string DestTable { get; set; } = "";
    [Id(4)] public StageStatus Schema { get; set; }
    [Id(5)] public StageStatus Full { get; set; }
    [Id(6)] public StageStatus Incremental { get; set; }
    [Id(7)] public StageStatus Verify { get; set; }
    [Id(8)] public long EstimatedRows { get; set; }
    [Id(9)] public long MigratedRows { get; set; }
    [Id(10)] public long Inserted { get; set; }
    [Id(11)] public long Updated { get; set; }
    [Id(12)] public long Deleted { get; set; }
    [Id(13)] public string? Error { get; set; }
    [Id(14)] public string? Ddl { get; set; }
    [Id(15)] public long? SourceRows { get; set; }
    [Id(16)] public long? DestRows { get; set; }
    [Id(17)] public long? Mismatches { get; set; }
    [Id(18)] public long? MissingInDest { get; set; }
    [Id(19)] public long? ExtraInDest { get; set; }
    /// <summary>Keys of rows that differ (at most a thousand), as <c>m|s|x</c> (mismatch, missing in destination, extra) + ':' + encoded key.</summary>
    [Id(20)] public List<string> DiffKeys { get; set; } = [];
}
