using Ferry.Api;
using Ferry.Api.Endpoints;
using Ferry.Grains.Connectors;
using Ferry.Host.Hosting;
using Ferry.Host.Startup;

var builder = WebApplication.CreateBuilder(args);
builder.AddFerrySilo();
builder.Services.AddSingleton<ConnectorCatalog>();
builder.Services.AddSingleton<IReadiness, NodeReadiness>();
builder.Services.AddHostedService<AdminBootstrap>();
builder.Services.AddHostedService<ProjectWaker>();
builder.Services.AddFerryApi();
builder.AddFerryTelemetry();

var app = builder.Build();
app.MapFerryApi();
await app.RunAsync();

/// <summary>Lets tests host the node in-process.</summary>
public partial class Program;
