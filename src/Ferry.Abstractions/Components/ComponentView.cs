namespace Ferry.Abstractions.Components;

/// <summary>A component as <c>GET /projects/{id}/components</c> shows it.</summary>
[GenerateSerializer, Alias("ComponentView")]
public sealed record ComponentView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Status,
    [property: Id(3)] string? Silo,
    [property: Id(4)] Dictionary<string, double> Metrics);
