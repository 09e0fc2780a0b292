using System.Text.Json;
using System.Text.Json.Serialization;
using Ferry.Api.Auth;
using Ferry.Api.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Api;

/// <summary>Wires the REST API once: JSON conventions, problem details, routes.</summary>
public static class FerryApi
{
    public static IServiceCollection AddFerryApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.PropertyNameCaseInsensitive = true;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        services.AddProblemDetails();
        return services;
    }

    public static WebApplication MapFerryApi(this WebApplication app)
    {
        app.UseExceptionHandler(errors => errors.Run(async http =>
        {
            // Unexpected failures still answer as problem details; bad input never reaches here.
            var e = http.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, code, title, detail) = e switch
            {
                BadHttpRequestException bad => (bad.StatusCode, "request.invalid", "The request is not valid", bad.Message),
                // A node died and the cluster has not moved its grains yet: worth a retry in seconds.
                SiloUnavailableException or Orleans.Runtime.Messaging.ConnectionFailedException or TimeoutException
                    or OrleansMessageRejectionException => (StatusCodes.Status503ServiceUnavailable, "cluster.unavailable",
                    "The cluster is recovering", "a node of the cluster is unreachable; retry in a few seconds"),
                _ => (StatusCodes.Status500InternalServerError, "internal", "Internal error", "an unexpected error occurred; it has been logged"),
            };
            if (status >= 500)
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Api").LogError(e, "request {Path} failed", http.Request.Path);
            if (status == StatusCodes.Status503ServiceUnavailable) http.Response.Headers.RetryAfter = "2";
            await Problems.ApiProblem.Create(status, code, title, detail).ExecuteAsync(http);
        }));
        app.UseStatusCodePages();
        app.MapHealth();
        var api = app.MapGroup("/api/v1").AddEndpointFilter<ApiKeyFilter>();
        api.MapDataSources();
        api.MapProjects();
        api.MapAccounts();
        api.MapVerification();
        return app;
    }
}
