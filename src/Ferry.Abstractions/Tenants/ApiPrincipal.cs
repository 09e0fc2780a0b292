namespace Ferry.Abstractions.Tenants;

/// <summary>Who an API key belongs to.</summary>
[GenerateSerializer, Alias("ApiPrincipal")]
public sealed record ApiPrincipal(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string UserName,
    [property: Id(3)] string Role);
