using System.Security.Cryptography;
using Ferry.Abstractions.DataSources;
using Ferry.Abstractions.Projects;
using Ferry.Abstractions.Security;
using Ferry.Abstractions.Tenants;
using Ferry.Api.Auth;
using Ferry.Api.Json;
using Ferry.Api.Problems;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Grains.Connectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ferry.Api.Endpoints;

/// <summary><c>/api/v1/datasources</c>: registered connections, their passwords write-only.</summary>
public static class DataSourcesApi
{
    private static readonly string[] Types = ["mysql", "mariadb", "oceanbase-mysql", "tidb", "postgresql", "kafka"];

    public static RouteGroupBuilder MapDataSources(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/datasources");
        g.MapPost("", Create);
        g.MapGet("", List);
        g.MapGet("/{id}", Get);
        g.MapPut("/{id}", Update);
        g.MapDelete("/{id}", Delete);
        g.MapPost("/{id}/test", Test);
        return api;
    }

    private static async Task<IResult> Create(HttpRequest request, IGrainFactory grains, ISecretProtector secrets)
    {
        var (body, problem) = await RequestBody.ReadAsync<DataSourceRequest>(request);
        if (problem is not null) return problem;
        var errors = Validate(body!, passwordRequired: true);
        if (errors.Any) return ApiProblem.Validation(errors.ToDictionary());
        var caller = request.HttpContext.Principal();
        var record = new DataSourceRecord
        {
            Id = "ds-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)),
            TenantId = caller.TenantId,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        Fill(record, body!, secrets);
        await grains.GetGrain<IDataSourceGrain>(record.Id).SaveAsync(record);
        await grains.GetGrain<ITenantGrain>(caller.TenantId).AddDataSourceAsync(record.Id);
        return Results.Created($"/api/v1/datasources/{record.Id}", DataSourceResponse.From(record));
    }

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, int? limit, string? cursor)
    {
        var caller = http.Principal();
        var ids = await grains.GetGrain<ITenantGrain>(caller.TenantId).ListDataSourcesAsync();
        var all = new List<DataSourceResponse>();
        foreach (var id in ids)
            if (await grains.GetGrain<IDataSourceGrain>(id).GetAsync() is { } r) all.Add(DataSourceResponse.From(r));
        return Results.Ok(Paging.Apply(all.OrderBy(d => d.CreatedAt).ToList(), limit, cursor));
    }

    private static async Task<IResult> Get(string id, HttpContext http, IGrainFactory grains)
    {
        var r = await Find(id, http, grains);
        return r is null ? ApiProblem.NotFound("datasource", id) : Results.Ok(DataSourceResponse.From(r));
    }

    private static async Task<IResult> Update(string id, HttpRequest request, IGrainFactory grains, ISecretProtector secrets)
    {
        var r = await Find(id, request.HttpContext, grains);
        if (r is null) return ApiProblem.NotFound("datasource", id);
        var (body, problem) = await RequestBody.ReadAsync<DataSourceRequest>(request);
        if (problem is not null) return problem;
        var errors = Validate(body!, passwordRequired: false);
        if (errors.Any) return ApiProblem.Validation(errors.ToDictionary());
        Fill(r, body!, secrets);
        await grains.GetGrain<IDataSourceGrain>(id).SaveAsync(r);
        return Results.Ok(DataSourceResponse.From(r));
    }

    private static async Task<IResult> Delete(string id, HttpContext http, IGrainFactory grains)
    {
        var r = await Find(id, http, grains);
        if (r is null) return ApiProblem.NotFound("datasource", id);
        foreach (var projectId in r.UsedBy)
        {
            var p = await grains.GetGrain<IProjectGrain>(projectId).GetAsync();
            if (p is not null && p.Status != ProjectStatus.Released)
                return ApiProblem.Conflict("datasource.in-use", $"data source {id} is used by project {projectId} ({p.Status}); release or delete it first");
        }
        await grains.GetGrain<IDataSourceGrain>(id).DeleteAsync();
        await grains.GetGrain<ITenantGrain>(r.TenantId).RemoveDataSourceAsync(id);
        return Results.NoContent();
    }

    private static async Task<IResult> Test(string id, HttpContext http, IGrainFactory grains, ConnectorCatalog catalog, string? role)
    {
        var r = await Find(id, http, grains);
        if (r is null) return ApiProblem.NotFound("datasource", id);
        try
        {
            var conn = catalog.Open(r);
            var result = await catalog.For(conn.Kind).TestAsync(conn, asSource: role != "destination", http.RequestAborted);
            return Results.Ok(ToResponse(result));
        }
        catch (FerryException e)
        {
            return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, e.Code, "The data source cannot be tested", e.Message);
        }
    }

    internal static ProbeResponse ToResponse(ProbeResult r) =>
        new(r.Ok, r.ServerVersion, r.Checks.Select(c => new ProbeCheckResponse(c.Name, c.Ok, c.Detail)).ToList());

    internal static async Task<DataSourceRecord?> Find(string id, HttpContext http, IGrainFactory grains)
    {
        var r = await grains.GetGrain<IDataSourceGrain>(id).GetAsync();
        return r is not null && r.TenantId == http.Principal().TenantId ? r : null;
    }

    private static ValidationErrors Validate(DataSourceRequest b, bool passwordRequired)
    {
        var e = new ValidationErrors();
        e.Require("name", b.Name);
        e.Require("type", b.Type);
        if (b.Type is not null && !Types.Contains(b.Type)) e.Add("type", $"type must be one of {string.Join(", ", Types)}");
        e.Require("host", b.Host);
        if (b.Type != "kafka")
        {
            if (b.Port is null) e.Add("port", "port is required");
            e.Require("user", b.User);
        }
        if (b.Port is { } p && (p < 1 || p > 65535)) e.Add("port", "port must be between 1 and 65535");
        if (passwordRequired && b.Password is null && b.Type != "kafka") e.Add("password", "password is required");
        if (b.Name is { Length: > 200 }) e.Add("name", "name is longer than 200 characters");
        if (b.Type is "mysql" or "mariadb" or "oceanbase-mysql" or "tidb" && b.Options is { Count: > 0 } options)
        {
            // TLS settings are checked now rather than at the first connection.
            try { MySql.TlsSettings.From(new Engine.Connections.ConnectionInfo(EngineKind.MySql, "", 0, "", "", null, options)); }
            catch (FerryException x) { e.Add(x.Code == "datasource.ssl-ca-invalid" ? "options.sslCa" : "options.sslMode", x.Message); }
        }
        return e;
    }

    private static void Fill(DataSourceRecord r, DataSourceRequest b, ISecretProtector secrets)
    {
        r.Name = b.Name!.Trim();
        r.Type = b.Type!;
        r.Host = b.Host!.Trim();
        r.Port = b.Port ?? 0;
        r.User = b.User ?? "";
        if (b.Password is not null) r.ProtectedPassword = secrets.Protect(b.Password);
        r.Database = string.IsNullOrWhiteSpace(b.Database) ? null : b.Database;
        r.Options = b.Options ?? [];
    }
}
