using System.Collections.Concurrent;
using Ferry.Abstractions.Tenants;
using Ferry.Api.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Api.Auth;

/// <summary>
/// Bearer API key authentication for the <c>/api/v1</c> group, and the role each route needs
/// (GET needs viewer, other methods operator unless the route asks for more).
/// </summary>
public sealed class ApiKeyFilter : IEndpointFilter
{
    private static readonly ConcurrentDictionary<string, (ApiPrincipal? Principal, DateTime Until)> Cache = new();
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            return ApiProblem.Unauthorized("send 'Authorization: Bearer <api key>'");
        var hash = ApiKeys.Hash(header[7..].Trim());
        ApiPrincipal? principal;
        if (Cache.TryGetValue(hash, out var hit) && hit.Until > DateTime.UtcNow) principal = hit.Principal;
        else
        {
            var grains = http.RequestServices.GetRequiredService<IGrainFactory>();
            principal = await grains.GetGrain<IApiKeyGrain>(hash).GetAsync();
            Cache[hash] = (principal, DateTime.UtcNow + CacheFor);
        }
        if (principal is null) return ApiProblem.Unauthorized("the API key is not valid");
        var needed = http.GetEndpoint()?.Metadata.GetMetadata<RequiresRole>()?.Role
                     ?? (HttpMethods.IsGet(http.Request.Method) ? Roles.Viewer : Roles.Operator);
        if (!Roles.Allows(principal.Role, needed))
            return ApiProblem.Forbidden($"role '{principal.Role}' may not do this; it needs '{needed}'");
        Caller.Set(http, principal);
        return await next(context);
    }

    public static void Forget(string hash) => Cache.TryRemove(hash, out _);
}

/// <summary>Endpoint metadata: the least role that may call the route.</summary>
public sealed record RequiresRole(string Role);
