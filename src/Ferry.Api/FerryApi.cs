using System.Text.Json;
using System.Text.Json.Serialization;
using Ferry.Api.Auth;
using Ferry.Api.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

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
            var (status, code, title) = e is BadHttpRequestException bad
                ? (bad.StatusCode, "request.invalid", "The request is not valid")
                : (StatusCodes.Status500InternalServerError, "internal", "Internal error");
            await Problems.ApiProblem.Create(status, code, title, e?.Message ?? "unknown error").ExecuteAsync(http);
        }));
        app.UseStatusCodePages();
        app.MapHealth();
        var api = app.MapGroup("/api/v1").AddEndpointFilter<ApiKeyFilter>();
        api.MapDataSources();
        api.MapProjects();
        return app;
    }
}
