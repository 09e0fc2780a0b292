namespace Ferry.Abstractions.Components;

/// <summary>A persisted chunk of the full copy; key bounds are stored as KeyCodec text.</summary>
[GenerateSerializer, Alias("ChunkRecord")]
public sealed record ChunkRecord(
    [property: Id(0)] int Table,
    [property: Id(1)] string? After,
    [property: Id(2)] string? UpTo,
    [property: Id(3)] bool Done,
    [property: Id(4)] long Rows);
