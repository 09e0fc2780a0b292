namespace Ferry.Abstractions.Tenants;

/// <summary>An API key, addressed by the SHA-256 of the key (the key itself is never stored).</summary>
[Alias("IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<ApiPrincipal?> GetAsync();
    [Alias("Set")] Task SetAsync(ApiPrincipal principal);
    [Alias("Revoke")] Task RevokeAsync();
}
