using Ferry.Abstractions.Tenants;
using Ferry.Api.Auth;

namespace Ferry.Host.Startup;

/// <summary>
/// The first start of a deployment creates tenant <c>default</c> and its admin, whose API key is
/// <c>FERRY_ADMIN_KEY</c>, or a random key printed once when that is unset.
/// </summary>
public sealed class AdminBootstrap(IGrainFactory grains, IConfiguration config, ILogger<AdminBootstrap> logger) : IHostedService
{
    public const string DefaultTenant = "default";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var tenant = grains.GetGrain<ITenantGrain>(DefaultTenant);
        var fresh = await tenant.GetNameAsync() is null;
        var key = config["FERRY_ADMIN_KEY"];
        if (string.IsNullOrEmpty(key))
        {
            if (!fresh) return;
            key = ApiKeys.NewKey();
            // Printed once, on the very first start, as api.md promises; never logged again.
            Console.WriteLine($"Ferry admin API key (shown once): {key}");
        }
        await grains.GetGrain<IApiKeyGrain>(ApiKeys.Hash(key)).SetAsync(new ApiPrincipal(DefaultTenant, "admin", "admin", Roles.Admin));
        await tenant.EnsureAsync(DefaultTenant);
        logger.LogInformation("tenant {Tenant} and its admin are ready", DefaultTenant);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
