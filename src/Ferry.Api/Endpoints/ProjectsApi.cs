using System.Security.Cryptography;
using Ferry.Abstractions.Components;
using Ferry.Abstractions.DataSources;
using Ferry.Abstractions.Projects;
using Ferry.Api.Auth;
using Ferry.Api.Json;
using Ferry.Api.Problems;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Grains.Components;
using Ferry.Grains.Connectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ferry.Api.Endpoints;

/// <summary><c>/api/v1/projects</c>: migrations, their stages and operator actions.</summary>
public static class ProjectsApi
{
    public static RouteGroupBuilder MapProjects(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/projects");
        g.MapPost("", Create);
        g.MapGet("", List);
        g.MapGet("/{id}", Get);
        g.MapDelete("/{id}", (string id, HttpContext http, IGrainFactory grains) => Act(id, http, grains, (p, who) => p.DeleteAsync(who), deleted: true));
        g.MapPost("/{id}/start", (string id, HttpContext http, IGrainFactory grains) => Act(id, http, grains, (p, who) => p.StartAsync(who)));
        g.MapPost("/{id}/pause", (string id, HttpContext http, IGrainFactory grains) => Act(id, http, grains, (p, who) => p.PauseAsync(who)));
        g.MapPost("/{id}/resume", (string id, HttpContext http, IGrainFactory grains) => Act(id, http, grains, (p, who) => p.ResumeAsync(who)));
        g.MapPost("/{id}/release", (string id, HttpContext http, IGrainFactory grains) => Act(id, http, grains, (p, who) => p.ReleaseAsync(who)));
        g.MapPatch("/{id}", Update);
        g.MapPost("/{id}/clone", Clone);
        g.MapGet("/{id}/objects", Objects);
        g.MapGet("/{id}/objects/export", ExportObjects);
        g.MapPost("/{id}/objects/import", ImportObjects);
        g.MapGet("/{id}/events", Events);
        g.MapGet("/{id}/components", Components);
        g.MapGet("/{id}/verification", Verification);
        g.MapGet("/{id}/ddl", Ddls);
        g.MapGet("/{id}/schema", Schema);
        g.MapPost("/{id}/schema/{name}/retry", RetrySchema);
        g.MapPost("/{id}/schema/{name}/skip", (string id, string name, HttpContext http, IGrainFactory grains) =>
            Act(id, http, grains, (p, who) => p.SkipSchemaAsync(name, who)));
        g.MapPost("/{id}/schema/{name}/remove", (string id, string name, HttpContext http, IGrainFactory grains) =>
            Act(id, http, grains, (p, who) => p.RemoveSchemaAsync(name, who)));
        g.MapPost("/{id}/components/{cid}/pause", (string id, string cid, HttpContext http, IGrainFactory grains) =>
            Act(id, http, grains, (p, who) => p.ComponentActionAsync(cid, start: false, who)));
        g.MapPost("/{id}/components/{cid}/start", (string id, string cid, HttpContext http, IGrainFactory grains) =>
            Act(id, http, grains, (p, who) => p.ComponentActionAsync(cid, start: true, who)));
        g.MapPost("/{id}/ddl/{n:int}/skip", (string id, int n, HttpContext http, IGrainFactory grains) =>
            Act(id, http, grains, (p, who) => p.SkipDdlAsync(n, who)));
        g.MapGet("/{id}/switchover", Switchover);
        g.MapPost("/{id}/switchover", StartSwitchover);
        g.MapPost("/{id}/switchover/steps/{name}/{action}", SwitchoverStep);
        return api;
    }

    private static async Task<IResult> Switchover(string id, HttpContext http, IGrainFactory grains)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        return Results.Ok(new { steps = await grains.GetGrain<IProjectGrain>(id).GetSwitchoverAsync() });
    }

    private static async Task<IResult> StartSwitchover(string id, HttpContext http, IGrainFactory grains)
    {
        var started = await Act(id, http, grains, (p, who) => p.StartSwitchoverAsync(who));
        if (started is not IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK }) return started;
        return Results.Accepted($"/api/v1/projects/{id}/switchover", new { steps = await grains.GetGrain<IProjectGrain>(id).GetSwitchoverAsync() });
    }

    /// <summary><c>confirm</c> | <c>retry</c> | <c>skip</c> of one step; <c>{force: true}</c> to skip <c>confirmSyncComplete</c>.</summary>
    private static async Task<IResult> SwitchoverStep(string id, string name, string action, HttpContext http, IGrainFactory grains)
    {
        if (action is not ("confirm" or "retry" or "skip"))
            return ApiProblem.Create(StatusCodes.Status404NotFound, "switchover.action-unknown", "No such switchover action",
                $"'{action}' is not a switchover step action: confirm, retry or skip");
        var force = false;
        if (http.Request.ContentLength is > 0)
        {
            var (body, problem) = await RequestBody.ReadAsync<SwitchoverStepRequest>(http.Request);
            if (problem is not null) return problem;
            force = body?.Force ?? false;
        }
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        var result = await grains.GetGrain<IProjectGrain>(id).SwitchoverStepAsync(name, action, force, http.Principal().UserName);
        if (!result.Ok)
            return result.ErrorCode switch
            {
                "project.not-found" => ApiProblem.NotFound("project", id),
                "switchover.step-not-found" => ApiProblem.Create(StatusCodes.Status404NotFound, result.ErrorCode, "No such switchover step", result.ErrorMessage!),
                "switchover.force-required" => ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, "validation.failed", "Validation failed",
                    result.ErrorMessage!, new Dictionary<string, string[]> { ["force"] = [result.ErrorMessage!] }),
                _ => ApiProblem.Conflict(result.ErrorCode!, result.ErrorMessage!),
            };
        return Results.Ok(new { steps = await grains.GetGrain<IProjectGrain>(id).GetSwitchoverAsync() });
    }

    private static async Task<IResult> Create(HttpRequest request, IGrainFactory grains, ConnectorCatalog catalog)
    {
        var (body, problem) = await RequestBody.ReadAsync<ProjectRequest>(request);
        if (problem is not null) return problem;
        var errors = ProjectValidation.Validate(body!);
        var http = request.HttpContext;
        DataSourceRecord? source = null, dest = null;
        if (body!.SourceId is { Length: > 0 } sid && (source = await DataSourcesApi.Find(sid, http, grains)) is null)
            errors.Add("sourceId", $"data source '{sid}' does not exist");
        if (body.DestinationId is { Length: > 0 } did && (dest = await DataSourcesApi.Find(did, http, grains)) is null)
            errors.Add("destinationId", $"data source '{did}' does not exist");
        if (source is not null && dest is not null && PairProblem(ConnectorCatalog.ParseKind(source.Type), ConnectorCatalog.ParseKind(dest.Type)) is { } pair)
            errors.Add(pair.Field, pair.Message);
        if (errors.Any) return ApiProblem.Validation(errors.ToDictionary());

        // Prechecks before anything is created: a project that cannot run is not created.
        var needsLog = body.Stages!.Contains(StageNames.Incremental);
        var (failed, sourceProbe) = await PrecheckAsync(catalog, source!, asSource: true, needsLog, http.RequestAborted);
        failed ??= (await PrecheckAsync(catalog, dest!, asSource: false, needsLog: false, http.RequestAborted)).Problem;
        if (failed is not null) return failed;
        if (needsLog && body.Stages.Contains(StageNames.Full) && sourceProbe?.LogRetention is { } retention && retention > TimeSpan.Zero
            && await RetentionProblemAsync(catalog, source!, body.Objects!, retention, http.RequestAborted) is { } tooShort)
            return tooShort;
        if (needsLog && await StreamProblemAsync(catalog, source!, body.Objects!, http.RequestAborted) is { } identity)
            return identity;

        var caller = http.Principal();
        var spec = new ProjectSpec
        {
            Name = body.Name!.Trim(), Kind = body.Kind ?? "migration", SourceId = source!.Id, DestinationId = dest!.Id,
            Stages = body.Stages!, Objects = body.Objects!, Options = body.Options ?? new ProjectOptions(), Sink = body.Sink,
            Tags = body.Tags ?? [],
        };
        var id = "p-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var grain = grains.GetGrain<IProjectGrain>(id);
        var view = await grain.CreateAsync(caller.TenantId, caller.UserName, spec);
        if (spec.Options.AutoStart)
        {
            var started = await grain.StartAsync(caller.UserName);
            view = started.Project ?? view;
        }
        return Results.Created($"/api/v1/projects/{id}", view);
    }

    /// <summary>Which engine pairs a migration project can move between today.</summary>
    private static (string Field, string Message)? PairProblem(EngineKind source, EngineKind dest)
    {
        if (source == EngineKind.Kafka) return ("sourceId", "a Kafka data source cannot be a migration's source");
        if (dest == EngineKind.Kafka) return ("destinationId", "a Kafka destination belongs to a sync project (kind 'sync'), which is not supported yet");
        if (source.IsMySqlFamily() && dest.IsMySqlFamily()) return null;
        if (source == EngineKind.PostgreSql && dest == EngineKind.PostgreSql) return null;
        if (source.IsMySqlFamily() && dest == EngineKind.PostgreSql) return null;
        if (source == EngineKind.PostgreSql && dest.IsMySqlFamily()) return null;
        return ("destinationId", $"migrations from {source} to {dest} are not supported yet: MySQL-family and PostgreSQL, in either direction and within each, are");
    }

    private static async Task<IResult> Update(string id, HttpRequest request, IGrainFactory grains)
    {
        var http = request.HttpContext;
        var current = await Find(id, http, grains);
        if (current is null) return ApiProblem.NotFound("project", id);
        var (body, problem) = await RequestBody.ReadAsync<ProjectRequest>(request);
        if (problem is not null) return problem;
        // Validate the project as it would be after the change, naming only the fields sent.
        var merged = new ProjectRequest
        {
            Name = body!.Name ?? current.Name, Kind = current.Kind, SourceId = current.SourceId, DestinationId = current.DestinationId,
            Stages = current.Stages.Select(s => s.Name).ToList(), Objects = body.Objects ?? current.Objects,
            Options = body.Options ?? current.Options, Tags = body.Tags ?? current.Tags,
        };
        var errors = ProjectValidation.Validate(merged);
        if (errors.Any) return ApiProblem.Validation(errors.ToDictionary());
        var patch = new ProjectPatch { Name = body.Name?.Trim(), Tags = body.Tags, Options = body.Options, Objects = body.Objects };
        return await Act(id, http, grains, (p, who) => p.UpdateAsync(patch, who));
    }

    private static async Task<IResult> Clone(string id, HttpContext http, IGrainFactory grains)
    {
        var current = await Find(id, http, grains);
        if (current is null) return ApiProblem.NotFound("project", id);
        var caller = http.Principal();
        var spec = new ProjectSpec
        {
            Name = current.Name + "-copy", Kind = current.Kind, SourceId = current.SourceId, DestinationId = current.DestinationId,
            Stages = current.Stages.Select(s => s.Name).ToList(), Objects = current.Objects, Sink = current.Sink, Tags = current.Tags.ToList(),
            Options = new ProjectOptions
            {
                FullConcurrency = current.Options.FullConcurrency, VerifyConcurrency = current.Options.VerifyConcurrency,
                AlertLevel = current.Options.AlertLevel, LatencyThresholdSeconds = current.Options.LatencyThresholdSeconds,
            },
        };
        var cloneId = "p-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var view = await grains.GetGrain<IProjectGrain>(cloneId).CreateAsync(caller.TenantId, caller.UserName, spec);
        return Results.Created($"/api/v1/projects/{cloneId}", view);
    }

    /// <summary>
    /// The source must keep its log at least as long as the copy takes, or the changes made meanwhile
    /// are purged before incremental reads them. The estimate is deliberately pessimistic: 20,000 rows/s
    /// (a quarter of what the copy does on two cores) plus ten minutes.
    /// </summary>
    private static async Task<IResult?> RetentionProblemAsync(ConnectorCatalog catalog, DataSourceRecord ds, ObjectRules objects, TimeSpan retention, CancellationToken ct)
    {
        var conn = catalog.Open(ds);
        var snapshot = catalog.For(conn.Kind).OpenSnapshotSource(conn);
        var selector = objects.ToSelector();
        long rows = 0;
        foreach (var db in await snapshot.ListDatabasesAsync(ct))
        {
            if (!selector.MayContainDatabase(db)) continue;
            foreach (var t in await snapshot.ListTablesAsync(db, ct))
                if (selector.Includes(new Engine.Schema.TableName(db, t)))
                    rows += await snapshot.EstimateRowsAsync(new Engine.Schema.TableName(db, t), ct);
        }
        var expected = TimeSpan.FromSeconds(rows / 20_000.0) + TimeSpan.FromMinutes(10);
        if (retention >= expected) return null;
        var detail = $"source data source {ds.Id} keeps its change log for {retention.TotalMinutes:0.#} minute(s), but copying about {rows:N0} rows " +
                     $"may take up to {expected.TotalMinutes:0} minutes, and changes made meanwhile would be purged before incremental reads them; " +
                     "raise binlog_expire_logs_seconds (or expire_logs_days) on the source";
        return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, "datasource.binlog-retention", "Precheck failed", detail,
            new Dictionary<string, string[]> { ["sourceId"] = [detail] });
    }

    /// <summary>Selected tables whose changes the stream could not follow, or whose publishing would break the source's own writes (replica identity).</summary>
    private static async Task<IResult?> StreamProblemAsync(ConnectorCatalog catalog, DataSourceRecord ds, ObjectRules objects, CancellationToken ct)
    {
        if (ConnectorCatalog.ParseKind(ds.Type) != EngineKind.PostgreSql) return null;
        var conn = catalog.Open(ds);
        var connector = catalog.For(conn.Kind);
        var snapshot = connector.OpenSnapshotSource(conn);
        var selector = objects.ToSelector();
        var tables = new List<Engine.Schema.TableName>();
        foreach (var db in await snapshot.ListDatabasesAsync(ct))
        {
            if (!selector.MayContainDatabase(db)) continue;
            foreach (var t in await snapshot.ListTablesAsync(db, ct))
                if (selector.Includes(new Engine.Schema.TableName(db, t))) tables.Add(new Engine.Schema.TableName(db, t));
        }
        var problems = await connector.StreamProblemsAsync(conn, tables, ct);
        if (problems.Count == 0) return null;
        var detail = $"source data source {ds.Id}: {string.Join(" ", problems)}";
        return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, "datasource.replica-identity", "Precheck failed", detail,
            new Dictionary<string, string[]> { ["objects"] = problems.ToArray() });
    }

    private static async Task<(IResult? Problem, ProbeResult? Result)> PrecheckAsync(ConnectorCatalog catalog, DataSourceRecord ds, bool asSource, bool needsLog, CancellationToken ct)
    {
        var field = asSource ? "sourceId" : "destinationId";
        ProbeResult result;
        try
        {
            var conn = catalog.Open(ds);
            result = await catalog.For(conn.Kind).TestAsync(conn, asSource && needsLog, ct);
        }
        catch (FerryException e)
        {
            return (ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, e.Code, "Precheck failed", $"{field} {ds.Id}: {e.Message}"), null);
        }
        if (result.Ok) return (null, result);
        var bad = result.Checks.Where(c => !c.Ok).ToList();
        var code = bad.Any(c => c.Name == "reachable") ? "datasource.unreachable"
            : bad.Any(c => c.Name == "credentials") ? "datasource.auth-failed"
            : "datasource.precheck-failed";
        var detail = $"{(asSource ? "source" : "destination")} data source {ds.Id} ({ds.Name}) failed prechecks: " +
                     string.Join("; ", bad.Select(c => $"{c.Name}: {c.Detail}"));
        return (ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, code, "Precheck failed", detail,
            new Dictionary<string, string[]> { [field] = bad.Select(c => $"{c.Name}: {c.Detail}").ToArray() },
            DataSourcesApi.ToResponse(result).Checks), result);
    }

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, string? status, string? kind, string? tag, string? q,
        int? limit, string? cursor)
    {
        var caller = http.Principal();
        var ids = await grains.GetGrain<Abstractions.Tenants.ITenantGrain>(caller.TenantId).ListProjectsAsync();
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<IProjectGrain>(id).GetAsync()));
        var all = views.OfType<ProjectView>()
            .Where(p => status is null || string.Equals(p.Status.ToString(), status, StringComparison.OrdinalIgnoreCase))
            .Where(p => kind is null || p.Kind == kind)
            .Where(p => tag is null || p.Tags.Contains(tag))
            .Where(p => q is null || p.Name.Contains(q, StringComparison.OrdinalIgnoreCase) || p.Id.Contains(q, StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p.CreatedAt)
            .ToList();
        return Results.Ok(Paging.Apply(all, limit, cursor));
    }

    private static async Task<IResult> Get(string id, HttpContext http, IGrainFactory grains)
    {
        var p = await Find(id, http, grains);
        return p is null ? ApiProblem.NotFound("project", id) : Results.Ok(p);
    }

    private static async Task<IResult> Act(string id, HttpContext http, IGrainFactory grains,
        Func<IProjectGrain, string, Task<ProjectActionResult>> action, bool deleted = false)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        var result = await action(grains.GetGrain<IProjectGrain>(id), http.Principal().UserName);
        if (!result.Ok)
            return result.ErrorCode switch
            {
                "project.not-found" => ApiProblem.NotFound("project", id),
                "ddl.not-found" => ApiProblem.Create(StatusCodes.Status404NotFound, "ddl.not-found", "No such DDL statement", result.ErrorMessage!),
                "component.not-found" => ApiProblem.Create(StatusCodes.Status404NotFound, "component.not-found", "No such component", result.ErrorMessage!),
                "schema.not-found" => ApiProblem.Create(StatusCodes.Status404NotFound, "schema.not-found", "No such schema object", result.ErrorMessage!),
                _ => ApiProblem.Conflict(result.ErrorCode!, result.ErrorMessage!),
            };
        return deleted ? Results.NoContent() : Results.Ok(result.Project);
    }

    private static async Task<IResult> Objects(string id, HttpContext http, IGrainFactory grains)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        var tables = await grains.GetGrain<IProjectGrain>(id).GetObjectsAsync();
        return Results.Ok(tables.Select(t => new ObjectResponse(
            t.Database, t.Table, t.DestDatabase, t.DestTable,
            new(t.Schema.ToString()), new(t.Full.ToString()), new(t.Incremental.ToString()), new(t.Verify.ToString()),
            t.EstimatedRows, t.MigratedRows, t.Inserted, t.Updated, t.Deleted, t.Error)).ToList());
    }

    private static async Task<IResult> Events(string id, HttpContext http, IGrainFactory grains, int? limit, string? cursor)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        var events = await grains.GetGrain<IProjectGrain>(id).GetEventsAsync();
        return Results.Ok(Paging.Apply(events, limit, cursor));
    }

    private static async Task<IResult> Components(string id, HttpContext http, IGrainFactory grains)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        // Component ids are shown without the project prefix, as the pause/start routes take them.
        var components = await grains.GetGrain<IProjectGrain>(id).GetComponentsAsync();
        return Results.Ok(components.Select(c => c with { Id = c.Id[(c.Id.IndexOf('/') + 1)..] }).ToList());
    }

    private static async Task<IResult> Verification(string id, HttpContext http, IGrainFactory grains)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        var tables = await grains.GetGrain<IProjectGrain>(id).GetObjectsAsync();
        return Results.Ok(tables.Select(t => new VerificationResponse(
            $"{t.Database}.{t.Table}",
            t.Verify switch { StageStatus.Completed => "Consistent", StageStatus.Failed => "Inconsistent", _ => t.Verify.ToString() },
            t.SourceRows, t.DestRows, t.Mismatches, t.MissingInDest, t.ExtraInDest, t.Verify == StageStatus.Failed ? t.Error : null)).ToList());
    }

    private static async Task<IResult> ExportObjects(string id, HttpContext http, IGrainFactory grains)
    {
        var project = await Find(id, http, grains);
        if (project is null) return ApiProblem.NotFound("project", id);
        var tables = await grains.GetGrain<IProjectGrain>(id).GetObjectsAsync();
        return Results.Text(ObjectCsv.Export(project, tables), "text/csv", System.Text.Encoding.UTF8);
    }

    private static async Task<IResult> ImportObjects(string id, HttpRequest request, IGrainFactory grains)
    {
        var http = request.HttpContext;
        var current = await Find(id, http, grains);
        if (current is null) return ApiProblem.NotFound("project", id);
        using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8);
        var (rules, errors) = ObjectCsv.Import(await reader.ReadToEndAsync(http.RequestAborted));
        if (rules is null) return ApiProblem.Validation(errors);
        var check = ProjectValidation.Validate(new ProjectRequest
        {
            Name = current.Name, Kind = current.Kind, SourceId = current.SourceId, DestinationId = current.DestinationId,
            Stages = current.Stages.Select(s => s.Name).ToList(), Objects = rules, Options = current.Options, Tags = current.Tags,
        });
        if (check.Any) return ApiProblem.Validation(check.ToDictionary());
        return await Act(id, http, grains, (p, who) => p.UpdateAsync(new ProjectPatch { Objects = rules }, who));
    }

    private static async Task<IResult> Schema(string id, HttpContext http, IGrainFactory grains)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        var project = grains.GetGrain<IProjectGrain>(id);
        var tables = await project.GetObjectsAsync();
        var others = await project.GetSchemaObjectsAsync();
        return Results.Ok(tables.Select(t => new SchemaObjectResponse(
                $"{t.Database}.{t.Table}", "table", t.Schema.ToString(), t.Ddl, t.Schema == StageStatus.Failed ? t.Error : null,
                $"created as {t.DestDatabase}.{t.DestTable}"))
            .Concat(others.Select(o => new SchemaObjectResponse(o.Name, o.Kind, o.Status.ToString(), o.Ddl, o.Error, o.Detail)))
            .ToList());
    }

    /// <summary><c>{ddl?}</c>: the DDL to run instead of the generated one (run as given, in the object's destination database).</summary>
    private static async Task<IResult> RetrySchema(string id, string name, HttpContext http, IGrainFactory grains)
    {
        string? ddl = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.ContentType.Count > 0)
        {
            var (body, problem) = await RequestBody.ReadAsync<SchemaRetryRequest>(http.Request);
            if (problem is not null) return problem;
            ddl = body?.Ddl;
            if (ddl is not null && string.IsNullOrWhiteSpace(ddl))
                return ApiProblem.Validation(new Dictionary<string, string[]> { ["ddl"] = ["ddl is empty: leave it out to retry with the generated DDL"] });
        }
        return await Act(id, http, grains, (p, who) => p.RetrySchemaAsync(name, ddl, who));
    }

    private static async Task<IResult> Ddls(string id, HttpContext http, IGrainFactory grains)
    {
        if (await Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
        return Results.Ok(await grains.GetGrain<IProjectGrain>(id).GetDdlsAsync());
    }

    internal static async Task<ProjectView?> Find(string id, HttpContext http, IGrainFactory grains)
    {
        var p = await grains.GetGrain<IProjectGrain>(id).GetAsync();
        return p is not null && p.TenantId == http.Principal().TenantId ? p : null;
    }
}
