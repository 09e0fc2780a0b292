using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ferry.Api.Endpoints;

/// <summary>What <c>/readyz</c> asks of the node: has the silo joined, is the metadata store reachable.</summary>
public interface IReadiness
{
    Task<(bool Ready, string Detail)> CheckAsync(CancellationToken ct);
}

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        app.MapGet("/readyz", async (IReadiness readiness, HttpContext http) =>
        {
            var (ready, detail) = await readiness.CheckAsync(http.RequestAborted);
            return ready
                ? Results.Ok(new { status = "ready", detail })
                : Problems.ApiProblem.Create(StatusCodes.Status503ServiceUnavailable, "node.not-ready", "Not ready", detail);
        });
        return app;
    }
}
