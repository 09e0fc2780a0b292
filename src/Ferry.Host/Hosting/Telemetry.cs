using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ferry.Host.Hosting;

public static class Telemetry
{
    /// <summary>OpenTelemetry for the node: ASP.NET Core, Orleans and Ferry's own meters and traces.</summary>
    public static WebApplicationBuilder AddFerryTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("ferry"))
            .WithMetrics(m => m.AddMeter("Ferry", "Microsoft.Orleans"))
            .WithTracing(t => t.AddSource("Ferry", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"));
        return builder;
    }
}
