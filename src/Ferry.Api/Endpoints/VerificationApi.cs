using Ferry.Abstractions.DataSources;
using Ferry.Abstractions.Projects;
using Ferry.Api.Auth;
using Ferry.Api.Problems;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Copy;
using Ferry.Engine.Schema;
using Ferry.Grains.Connectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ferry.Api.Endpoints;

public sealed record DiffRow(string Kind, Dictionary<string, string> Key, Dictionary<string, string>? Source, Dictionary<string, string>? Dest);

public sealed record DiffResponse(string Table, IReadOnlyList<DiffRow> Rows, IReadOnlyList<string> CorrectionSql);

/// <summary>What verification found in a table, row by row, and the SQL that would correct the destination.</summary>
public static class VerificationApi
{
    public static RouteGroupBuilder MapVerification(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/projects/{id}/verification");
        g.MapGet("/{table}/diff", Diff);
        g.MapPost("/reverify", async (string id, HttpContext http, IGrainFactory grains) =>
        {
            if (await ProjectsApi.Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
            var result = await grains.GetGrain<IProjectGrain>(id).ReverifyAsync(http.Principal().UserName);
            return result.Ok ? Results.Ok(result.Project) : ApiProblem.Conflict(result.ErrorCode!, result.ErrorMessage!);
        });
        g.MapPost("/skip", async (string id, HttpContext http, IGrainFactory grains) =>
        {
            if (await ProjectsApi.Find(id, http, grains) is null) return ApiProblem.NotFound("project", id);
            var result = await grains.GetGrain<IProjectGrain>(id).SkipVerifyAsync(http.Principal().UserName);
            return result.Ok ? Results.Ok(result.Project) : ApiProblem.Conflict(result.ErrorCode!, result.ErrorMessage!);
        });
        return api;
    }

    private static async Task<IResult> Diff(string id, string table, HttpContext http, IGrainFactory grains, ConnectorCatalog catalog)
    {
        var project = await ProjectsApi.Find(id, http, grains);
        if (project is null) return ApiProblem.NotFound("project", id);
        var progress = (await grains.GetGrain<IProjectGrain>(id).GetObjectsAsync()).FirstOrDefault(t => $"{t.Database}.{t.Table}" == table);
        if (progress is null)
            return ApiProblem.Create(StatusCodes.Status404NotFound, "verification.table-not-found", "No such table", $"project {id} has no table '{table}' (use database.table)");
        if (progress.DiffKeys.Count == 0) return Results.Ok(new DiffResponse(table, [], []));

        var src = await grains.GetGrain<IDataSourceGrain>(project.SourceId).GetAsync();
        var dst = await grains.GetGrain<IDataSourceGrain>(project.DestinationId).GetAsync();
        if (src is null || dst is null) return ApiProblem.Conflict("datasource.not-found", "a data source of the project no longer exists");
        var ct = http.RequestAborted;
        var srcConn = catalog.Open(src);
        var dstConn = catalog.Open(dst);
        var source = catalog.For(srcConn.Kind).OpenSnapshotSource(srcConn);
        var destReader = catalog.For(dstConn.Kind).OpenDestinationReader(dstConn);
        var destination = catalog.For(dstConn.Kind).OpenDestination(dstConn, srcConn.Kind);
        var srcSchema = await source.ReadTableAsync(new TableName(progress.Database, progress.Table), ct);
        var target = new TableName(progress.DestDatabase, progress.DestTable);
        var dstSchema = await destReader.ReadTableAsync(target, ct);
        if (srcSchema is null || dstSchema is null)
            return ApiProblem.Conflict("verification.table-missing", $"{table} or its destination table no longer exists");
        var mapping = new TableMapping(srcSchema, target);
        var diffs = progress.DiffKeys.Select(k => (Kind: k[0], Key: KeyCodec.Decode(k[2..])!)).ToList();
        var rows = new List<DiffRow>();
        var sql = new List<string> { "SET time_zone = '+00:00'" };

        if (srcSchema.Key.Count == 0)
        {
            // Whole rows stand for themselves.
            var names = srcSchema.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToList();
            foreach (var (kind, key) in diffs)
            {
                var values = Named(names, key);
                rows.Add(new DiffRow(KindName(kind), values, kind == 's' ? values : null, kind == 'x' ? values : null));
                sql.Add(destination.CorrectionStatement(mapping, key, kind == 's' ? key : null));
            }
            return Results.Ok(new DiffResponse(table, rows, sql));
        }

        var keys = diffs.Select(d => d.Key).ToList();
        var destForKey = dstSchema with { Key = srcSchema.Key };
        var sourceRows = await Index(source.ReadRowsAsync(srcSchema, keys, ct), srcSchema.KeyOrdinals(), ct);
        var destRows = await Index(destReader.ReadRowsAsync(destForKey, keys, ct), srcSchema.Key.Select(dstSchema.IndexOf).ToArray(), ct);
        var columns = srcSchema.Columns.Select(c => c.Name).ToList();
        foreach (var (kind, key) in diffs)
        {
            var k = RowValues.CanonicalRow(key);
            sourceRows.TryGetValue(k, out var s);
            destRows.TryGetValue(k, out var d);
            rows.Add(new DiffRow(KindName(kind), Named(srcSchema.Key, key), s is null ? null : Named(columns, s),
                d is null ? null : Named(dstSchema.Columns.Select(c => c.Name).ToList(), d)));
            // Rows read now: the statement reflects the source as it is, not as it was when verified.
            if (s is not null || d is not null) sql.Add(destination.CorrectionStatement(mapping, key, s));
        }
        return Results.Ok(new DiffResponse(table, rows, sql));
    }

    private static string KindName(char kind) => kind switch { 'm' => "mismatch", 's' => "missingInDest", _ => "extraInDest" };

    private static Dictionary<string, string> Named(IReadOnlyList<string> names, object?[] values) =>
        names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => RowValues.Canonical(values[x.i]));

    private static async Task<Dictionary<string, object?[]>> Index(IAsyncEnumerable<object?[]> rows, int[] key, CancellationToken ct)
    {
        var map = new Dictionary<string, object?[]>();
        await foreach (var r in rows.WithCancellation(ct)) map[RowValues.CanonicalRow(key.Select(i => r[i]).ToArray())] = r;
        return map;
    }
}
