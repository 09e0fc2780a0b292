using System.Diagnostics;
using Ferry.Abstractions.Components;
using Ferry.Abstractions.Projects;
using Ferry.Engine.Checker;
using Ferry.Engine.Connections;
using Ferry.Engine.Copy;
using Ferry.Engine.Loader;
using Ferry.Engine.Objects;
using Ferry.Engine.Preparer;
using Ferry.Grains.Connectors;
using Microsoft.Extensions.Logging;

namespace Ferry.Grains.Components;

/// <summary>Schema preparation, full copy and verification of a project (key <c>{projectId}/{mode}</c>).</summary>
public sealed class CheckerGrain(
    [PersistentState("checker", "ferry")] IPersistentState<ComponentGrainState> state,
    ConnectorCatalog catalog,
    ILogger<CheckerGrain> logger) : ComponentGrain(state, catalog, logger), ICheckerGrain
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Without a key a replayed change cannot find its row, and a change replayed over a copy that
    /// already has it would be doubled: such tables are copied once and left out of incremental.
    /// </summary>
    public const string KeylessWarning =
        "no primary key or non-null unique key: the table is copied by the full stage but not kept in sync by incremental; add a key to sync it";

    protected override string Kind => "checker";

    public async Task SavePlanAsync(List<ChunkRecord> plan)
    {
        State.State.Chunks = plan;
        State.State.Planned = true;
        await State.WriteStateAsync();
    }

    public Task<List<ChunkRecord>> GetPlanAsync() =>
        Task.FromResult(State.State.Planned ? State.State.Chunks.ToList() : []);

    public async Task ChunkDoneAsync(int index, long rows)
    {
        var chunks = State.State.Chunks;
        if (index < 0 || index >= chunks.Count || chunks[index].Done) return;
        chunks[index] = chunks[index] with { Done = true, Rows = rows };
        await State.WriteStateAsync();
    }

    protected override Task RunAsync(ComponentSpec spec, CancellationToken ct) => spec.Mode switch
    {
        StageNames.Schema => PrepareAsync(spec, ct),
        StageNames.Full => CopyAsync(spec, ct),
        StageNames.Verify => VerifyAsync(spec, ct),
        SwitchoverSteps.ModePrefix + SwitchoverSteps.ConfirmSyncComplete => WaitForSyncAsync(spec, ct),
        SwitchoverSteps.ModePrefix + SwitchoverSteps.StopForwardSync => StopStreamAsync(spec, ct),
        SwitchoverSteps.ModePrefix + SwitchoverSteps.ProcessObjects => ProcessObjectsAsync(spec, ct),
        _ => throw new InvalidOperationException($"unknown checker mode {spec.Mode}"),
    };

    private async Task PrepareAsync(ComponentSpec spec, CancellationToken ct)
    {
        var src = Catalog.Open(spec.Source);
        var dst = Catalog.Open(spec.Destination);
        var selector = (spec.Objects ?? new ObjectRules()).ToSelector();
        var decisions = new SchemaDecisions(spec.SchemaDdl, spec.SchemaSkipped.ToHashSet(), spec.SchemaRemoved.ToHashSet());
        var destination = Catalog.For(dst.Kind).OpenDestination(dst, src.Kind);
        var preparer = new SchemaPreparer(Catalog.For(src.Kind).OpenSnapshotSource(src), destination, selector, decisions);
        var names = await preparer.ResolveAsync(ct);
        var done = 0;
        var tables = new List<TableProgress>();
        var objects = new List<SchemaObject>();
        var prepared = await preparer.PrepareAsync(names, spec.CreateSchema, async t =>
        {
            done++;
            var key = $"{t.Mapping.Source.Name.Database}.{t.Mapping.Source.Name.Table}";
            tables.Add(new TableProgress
            {
                Database = t.Mapping.Source.Name.Database, Table = t.Mapping.Source.Name.Table,
                DestDatabase = t.Mapping.Target.Database, DestTable = t.Mapping.Target.Table,
                Schema = !spec.CreateSchema || t.Skipped ? StageStatus.Skipped : t.Error is null ? StageStatus.Completed : StageStatus.Failed,
                Ddl = t.Ddl,
                Error = t.Error ?? (spec.Incremental && t.Mapping.Source.Key.Count == 0 ? KeylessWarning : null),
                Incremental = spec.Incremental && t.Mapping.Source.Key.Count == 0 ? StageStatus.Skipped : StageStatus.Pending,
            });
            foreach (var c in (t.Deferred ?? []).Where(c => !decisions.Removed.Contains($"{key}.{c.Name}")))
            {
                // a constraint Ferry could not write for this destination fails until the operator gives its DDL (retry) or skips it
                var given = decisions.Ddl.TryGetValue($"{key}.{c.Name}", out var ddl) ? ddl : null;
                var skipped = decisions.Skipped.Contains($"{key}.{c.Name}");
                var failed = c.Error is not null && given is null && !skipped;
                objects.Add(new SchemaObject
                {
                    Name = $"{key}.{c.Name}", Kind = c.Kind, Ddl = given ?? c.Ddl,
                    Status = skipped ? StageStatus.Skipped : failed ? StageStatus.Failed : StageStatus.Pending,
                    Error = failed ? c.Error : null,
                    Detail = spec.Incremental
                        ? "added at switchover, once changes stop: rows arrive in chunks and out of order until then"
                        : "added after the full copy",
                });
            }
            await ReportAsync(spec, new ComponentReport { State = ComponentState.Running, Progress = 100.0 * done / Math.Max(1, names.Count) });
        }, ct, spec.DeferSecondaryIndexes);
        if (spec.CreateSchema)
        {
            var views = await preparer.ResolveViewsAsync(ct);
            foreach (var v in await preparer.PrepareViewsAsync(views, names, ct))
                objects.Add(new SchemaObject
                {
                    Name = $"{v.Source.Database}.{v.Source.Table}", Kind = "view",
                    Status = v.Skipped ? StageStatus.Skipped : v.Error is null ? StageStatus.Completed : StageStatus.Failed,
                    Ddl = v.Ddl, Error = v.Error, Detail = $"created as {v.Target}",
                });
        }
        var failures = prepared.Where(p => p.Error is not null).Select(p => $"{p.Mapping.Source.Name}: {p.Error}")
            .Concat(objects.Where(o => o.Status == StageStatus.Failed).Select(o => $"{o.Name}: {o.Error}")).ToList();
        if (failures.Count > 0)
        {
            await ReportAsync(spec, new ComponentReport { State = ComponentState.Running, Tables = tables, SchemaObjects = objects });
            throw new Engine.Errors.FerryException("schema.create-failed",
                $"{failures.Count} schema object(s) could not be created on the destination — {string.Join("; ", failures)}. " +
                "Retry each (optionally with your own DDL), skip it or remove it at /schema/{object}");
        }
        await ReportAsync(spec, new ComponentReport
        {
            State = ComponentState.Completed, Progress = 100, Tables = tables, SchemaObjects = objects,
            Warnings = LossyColumns(src.Kind, dst.Kind, prepared)
                .Concat(prepared.Where(p => p.Error is null).SelectMany(p => p.Warnings ?? []).Select(w => "schema: " + w))
                .ToList(),
        });
    }

    /// <summary>
    /// The precheck of a migration across engines: every column whose values cannot all move as they are, with
    /// what Ferry does about it (<see cref="Engine.Mapping.TypeMapping"/>). Warnings, not refusals: most such
    /// columns hold only values that do move, and a row that cannot fails the copy naming its value.
    /// </summary>
    private static List<string> LossyColumns(EngineKind source, EngineKind dest, List<PreparedTable> prepared)
    {
        Func<Engine.Schema.ColumnSchema, Engine.Mapping.MappedType>? map =
            source.IsMySqlFamily() && dest == EngineKind.PostgreSql ? Engine.Mapping.TypeMapping.ToPostgreSql
            : source == EngineKind.PostgreSql && dest.IsMySqlFamily() ? Engine.Mapping.TypeMapping.ToMySql
            : null;
        if (map is null) return [];
        // PostgreSQL enums (ENUM with the same labels) and domains over a plain base type map by the table's own types
        static Engine.Schema.TableSchema WithoutUserTypes(Engine.Schema.TableSchema t) => t.Types is not { Count: > 0 } ? t
            : t with { Columns = t.Columns.Where(c => MySql.Writer.MySqlSchemaObjects.UserTypeColumn(t, c, x => x) is null).ToList() };
        return prepared.Where(p => p.Error is null && !p.Skipped)
            .SelectMany(p => Engine.Mapping.TypeMapping.Lossy(dest.IsMySqlFamily() ? WithoutUserTypes(p.Mapping.Source) : p.Mapping.Source, map))
            .Select(line => "type mapping: " + line).ToList();
    }

    private async Task CopyAsync(ComponentSpec spec, CancellationToken ct)
    {
        var src = Catalog.Open(spec.Source);
        var dst = Catalog.Open(spec.Destination);
        var source = Catalog.For(src.Kind).OpenSnapshotSource(src);
        var destination = Catalog.For(dst.Kind).OpenDestination(dst, src.Kind);
        var self = Grains.GetGrain<ICheckerGrain>(Id);
        var mappings = await TableMappings.ReadAsync(source, spec.Tables, spec.Objects, ct);
        var copier = new FullCopier(source, destination, mappings, spec.Concurrency);

        var records = await self.GetPlanAsync();
        if (records.Count == 0)
        {
            var planned = await copier.PlanAsync(ct);
            records = planned.Select(c => new ChunkRecord(c.Table, KeyCodec.Encode(c.Range.After), KeyCodec.Encode(c.Range.UpTo), false, 0)).ToList();
            await self.SavePlanAsync(records);
        }
        var plan = records.Select(r => new ChunkTask(r.Table, new KeyRange(KeyCodec.Decode(r.After), KeyCodec.Decode(r.UpTo)), r.Done, r.Rows)).ToList();

        var estimates = new long[mappings.Count];
        for (var i = 0; i < mappings.Count; i++) estimates[i] = await source.EstimateRowsAsync(mappings[i].Source.Name, ct);
        var perTable = new long[mappings.Count];
        foreach (var c in plan.Where(c => c.Done)) perTable[c.Table] += c.Rows;
        var chunksLeft = new int[mappings.Count];
        foreach (var c in plan.Where(c => !c.Done)) chunksLeft[c.Table]++;
        var chunksDone = plan.Count(c => c.Done);
        var sw = Stopwatch.StartNew();
        long copiedNow = 0;
        var lastReport = Stopwatch.StartNew();
        var gate = new SemaphoreSlim(1);

        async Task Report(ComponentState st)
        {
            var tables = mappings.Select((m, i) => new TableProgress
            {
                Database = m.Source.Name.Database, Table = m.Source.Name.Table,
                DestDatabase = m.Target.Database, DestTable = m.Target.Table,
                Full = chunksLeft[i] == 0 ? StageStatus.Completed : StageStatus.Running,
                EstimatedRows = Math.Max(estimates[i], perTable[i]), MigratedRows = perTable[i],
            }).ToList();
            var migrated = perTable.Sum();
            await ReportAsync(spec, new ComponentReport
            {
                State = st,
                Progress = plan.Count == 0 ? 100 : Math.Round(100.0 * chunksDone / plan.Count, 1),
                EstimatedRows = tables.Sum(t => t.EstimatedRows), MigratedRows = migrated,
                Rps = Math.Round(FullCopier.Rate(Interlocked.Read(ref copiedNow), sw)), Tables = tables,
            });
        }

        await Report(ComponentState.Running);
        await copier.RunAsync(plan, async (index, rows) =>
        {
            await self.ChunkDoneAsync(index, rows);
            await gate.WaitAsync(ct);
            try
            {
                var table = plan[index].Table;
                perTable[table] += rows;
                chunksLeft[table]--;
                chunksDone++;
                Interlocked.Add(ref copiedNow, rows);
                if (lastReport.Elapsed >= ReportEvery)
                {
                    lastReport.Restart();
                    await Report(ComponentState.Running);
                }
            }
            finally { gate.Release(); }
        }, ct);
        if (spec.DeferSecondaryIndexes)
        {
            // The rows are in: now build the indexes the schema stage left out.
            foreach (var m in mappings)
                if (await destination.CreateSecondaryIndexesAsync(m, ct) is { } ddl)
                    Logger.LogInformation("{Id}: indexes of {Table} built after the copy: {Ddl}", Id, m.Target, ddl);
        }
        // Without incremental the copy is final: the constraints held back can go on now.
        var constraints = await AddDeferredConstraintsAsync(spec, destination, "added after the full copy", ct);
        if (constraints.Count > 0)
            await ReportAsync(spec, new ComponentReport { State = ComponentState.Running, SchemaObjects = constraints });
        await Report(ComponentState.Completed);
    }

    /// <summary>
    /// Switchover, once writes have stopped: reads the source's log end and waits until the writer's checkpoint,
    /// committed on the destination, is at or past it — every source change is then on the destination.
    /// </summary>
    private async Task WaitForSyncAsync(ComponentSpec spec, CancellationToken ct)
    {
        var src = Catalog.Open(spec.Source);
        var dst = Catalog.Open(spec.Destination);
        var connector = Catalog.For(src.Kind);
        var target = spec.StartPosition is { Length: > 0 } known ? new Engine.Changes.LogPosition(known) : await connector.CurrentPositionAsync(src, ct);
        await ReportAsync(spec, new ComponentReport
        {
            State = ComponentState.Running, CheckpointPosition = target.Value,
            Warnings = [$"waiting for the writer to commit up to source position {target}, read after writes stopped"],
        });
        var destination = Catalog.For(dst.Kind).OpenDestination(dst, src.Kind);
        var stream = $"{spec.ProjectId}/forward";
        var lastReport = Stopwatch.StartNew();
        while (true)
        {
            var checkpoint = await destination.ReadCheckpointAsync(stream, ct);
            if (checkpoint is { } at && connector.ComparePositions(at, target) >= 0)
            {
                await ReportAsync(spec, new ComponentReport
                {
                    State = ComponentState.Completed,
                    Warnings = [$"the writer committed source position {at}, at or past {target} read after writes stopped"],
                });
                return;
            }
            if (lastReport.Elapsed > TimeSpan.FromSeconds(5))
            {
                lastReport.Restart();
                await ReportAsync(spec, new ComponentReport
                {
                    State = ComponentState.Running,
                    Warnings = [$"waiting for the writer to commit up to source position {target}; its checkpoint is {checkpoint?.Value ?? "not written yet"}"],
                });
            }
            await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
        }
    }

    /// <summary>Switchover: the writer is stopped; what the source keeps for the stream goes (a PostgreSQL slot and publication), as release does.</summary>
    private async Task StopStreamAsync(ComponentSpec spec, CancellationToken ct)
    {
        var src = Catalog.Open(spec.Source);
        await Catalog.For(src.Kind).ReleaseStreamAsync(src, $"{spec.ProjectId}/forward", ct);
        await ReportAsync(spec, new ComponentReport
        {
            State = ComponentState.Completed,
            Warnings = [src.Kind == EngineKind.PostgreSql
                ? "forward sync stopped; the replication slot and publication were dropped on the source"
                : "forward sync stopped"],
        });
    }

    /// <summary>
    /// Adds each held-back foreign key and CHECK, checked against the rows already there; one the data violates
    /// comes back Failed with the server's reason instead of stopping the others.
    /// </summary>
    private static async Task<List<SchemaObject>> AddDeferredConstraintsAsync(ComponentSpec spec, IDestination destination, string when, CancellationToken ct)
    {
        var constraints = new List<SchemaObject>();
        foreach (var c in spec.DeferredConstraints)
        {
            var database = spec.Tables.FirstOrDefault(t => c.Name.StartsWith($"{t.Database}.{t.Table}.", StringComparison.Ordinal))?.DestDatabase;
            try
            {
                await destination.AddConstraintAsync(database ?? "", c.Ddl!, ct);
                constraints.Add(new SchemaObject { Name = c.Name, Kind = c.Kind, Status = StageStatus.Completed, Ddl = c.Ddl, Detail = when });
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                constraints.Add(new SchemaObject { Name = c.Name, Kind = c.Kind, Status = StageStatus.Failed, Ddl = c.Ddl, Error = e.Message, Detail = when });
            }
        }
        return constraints;
    }

    /// <summary>
    /// Switchover: the held-back foreign keys and CHECKs are added, then every AUTO_INCREMENT counter and sequence
    /// behind an identity or serial column is set to where the source's stands, so the next insert on the
    /// destination gets the next id. Every failure is reported at once and fails the step (retry runs what is left).
    /// </summary>
    private async Task ProcessObjectsAsync(ComponentSpec spec, CancellationToken ct)
    {
        var src = Catalog.Open(spec.Source);
        var dst = Catalog.Open(spec.Destination);
        var source = Catalog.For(src.Kind).OpenSnapshotSource(src);
        var destination = Catalog.For(dst.Kind).OpenDestination(dst, src.Kind);
        var constraints = await AddDeferredConstraintsAsync(spec, destination, "added at switchover", ct);
        var failures = constraints.Where(c => c.Status == StageStatus.Failed).Select(c => $"{c.Name}: {c.Error}").ToList();
        if (constraints.Count > 0) await ReportAsync(spec, new ComponentReport { State = ComponentState.Running, SchemaObjects = constraints });

        var mappings = await TableMappings.ReadAsync(source, spec.Tables, spec.Objects, ct);
        // Tables aggregated into one destination table share its counter: the highest source value wins.
        var wanted = new Dictionary<(Engine.Schema.TableName, string), (TableMapping Mapping, Engine.Schema.IdentityValue Value)>();
        foreach (var m in mappings)
            foreach (var v in await source.ReadIdentityValuesAsync(m.Source.Name, ct))
            {
                if (m.Source.IndexOf(v.Column) < 0) continue;
                var k = (m.Target, v.Column.ToLowerInvariant());
                if (!wanted.TryGetValue(k, out var had) || had.Value.Next < v.Next) wanted[k] = (m, v);
            }
        var set = new List<string>();
        var warnings = new List<string>();
        foreach (var (m, v) in wanted.Values)
        {
            try
            {
                if (await destination.SetIdentityAsync(m, v, ct) is not null) set.Add($"{m.Target}.{v.Column} → {v.Next}");
                else warnings.Add($"{m.Target}.{v.Column} does not number rows on the destination (source next value {v.Next})");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{m.Target}.{v.Column} (next value {v.Next}): {e.Message}");
            }
        }
        if (failures.Count > 0)
            throw new Engine.Errors.FerryException("switchover.objects-failed",
                $"{failures.Count} object(s) could not be set on the destination — {string.Join("; ", failures)}. " +
                "Fix the cause and retry the step, skip or remove a constraint at /schema/{object}, or skip the step");
        foreach (var w in warnings) Logger.LogWarning("{Id}: {Warning}", Id, w);
        var detail = $"{constraints.Count} constraint(s) added; {set.Count} counter(s) set" + (set.Count > 0 ? $": {string.Join(", ", set)}" : "")
                     + (warnings.Count > 0 ? $"; not numbered on the destination: {string.Join("; ", warnings)}" : "");
        await ReportAsync(spec, new ComponentReport { State = ComponentState.Completed, Warnings = [detail] });
    }

    private async Task VerifyAsync(ComponentSpec spec, CancellationToken ct)
    {
        var src = Catalog.Open(spec.Source);
        var dst = Catalog.Open(spec.Destination);
        var source = Catalog.For(src.Kind).OpenSnapshotSource(src);
        var destReader = Catalog.For(dst.Kind).OpenDestinationReader(dst);
        var mappings = await TableMappings.ReadAsync(source, spec.Tables, spec.Objects, ct);
        var verifier = new Verifier(source, destReader, mappings, spec.Concurrency);
        var tables = new List<TableProgress>();
        var gate = new SemaphoreSlim(1);
        int consistent = 0, inconsistent = 0;
        var verdicts = await verifier.RunAsync(async v =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var m = mappings[v.Table];
                if (v.Consistent) consistent++; else inconsistent++;
                tables.Add(new TableProgress
                {
                    Database = m.Source.Name.Database, Table = m.Source.Name.Table,
                    DestDatabase = m.Target.Database, DestTable = m.Target.Table,
                    Verify = v.Consistent ? StageStatus.Completed : StageStatus.Failed,
                    SourceRows = v.SourceRows, DestRows = v.DestRows,
                    Mismatches = v.Mismatched.Count, MissingInDest = v.MissingInDest.Count, ExtraInDest = v.ExtraInDest.Count,
                    Error = v.Error,
                    DiffKeys = v.Mismatched.Select(k => "m:" + KeyCodec.Encode(k))
                        .Concat(v.MissingInDest.Select(k => "s:" + KeyCodec.Encode(k)))
                        .Concat(v.ExtraInDest.Select(k => "x:" + KeyCodec.Encode(k)))
                        .Take(1000).ToList(),
                });
                await ReportAsync(spec, new ComponentReport
                {
                    State = ComponentState.Running, Progress = Math.Round(100.0 * tables.Count / Math.Max(1, mappings.Count), 1),
                    ConsistentTables = consistent, InconsistentTables = inconsistent, Tables = tables.ToList(),
                });
            }
            finally { gate.Release(); }
        }, ct);
        await ReportAsync(spec, new ComponentReport
        {
            State = ComponentState.Completed, Progress = 100,
            ConsistentTables = verdicts.Count(v => v.Consistent), InconsistentTables = verdicts.Count(v => !v.Consistent),
            Tables = tables,
        });
    }
}
