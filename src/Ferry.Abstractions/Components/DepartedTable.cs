namespace Ferry.Abstractions.Components;

/// <summary>A table the writer no longer follows under this name: dropped, renamed, or out of the project.</summary>
[GenerateSerializer, Alias("DepartedTable")]
public sealed class DepartedTable
{
    [Id(0)] public string Database { get; set; } = "";
    [Id(1)] public string Table { get; set; } = "";
    [Id(2)] public string Reason { get; set; } = "";
    /// <summary>Still on the source under a name the object rules do not select: no longer synchronized, kept in the object list.</summary>
    [Id(3)] public bool Left { get; set; }
}
