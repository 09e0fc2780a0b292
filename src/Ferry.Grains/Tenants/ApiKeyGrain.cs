using Ferry.Abstractions.Tenants;

namespace Ferry.Grains.Tenants;

[GenerateSerializer, Alias("ApiKeyState")]
public sealed class ApiKeyState
{
    [Id(0)] public ApiPrincipal? Principal { get; set; }
}

public sealed class ApiKeyGrain([PersistentState("apikey", "ferry")] IPersistentState<ApiKeyState> state) : Grain, IApiKeyGrain
{
    public Task<ApiPrincipal?> GetAsync() => Task.FromResult(state.State.Principal);

    public async Task SetAsync(ApiPrincipal principal)
    {
        if (state.State.Principal == principal) return;
        state.State.Principal = principal;
        await state.WriteStateAsync();
    }

    public async Task RevokeAsync()
    {
        state.State.Principal = null;
        await state.ClearStateAsync();
    }
}
