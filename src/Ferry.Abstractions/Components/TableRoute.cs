namespace Ferry.Abstractions.Components;

/// <summary>A source table and the destination table it lands in.</summary>
[GenerateSerializer, Alias("TableRoute")]
public sealed record TableRoute(
    [property: Id(0)] string Database,
    [property: Id(1)] string Table,
    [property: Id(2)] string DestDatabase,
    [property: Id(3)] string DestTable);
