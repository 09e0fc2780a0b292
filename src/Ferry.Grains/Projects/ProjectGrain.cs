using Ferry.Abstractions.Components;
using Ferry.Abstractions.DataSources;
using Ferry.Abstractions.Projects;
using Ferry.Abstractions.Tenants;
using Ferry.Grains.Connectors;
using Microsoft.Extensions.Logging;

namespace Ferry.Grains.Projects;

/// <summary>
/// The stage machine of one project. It never moves data itself: it starts component grains,
/// takes their reports, advances stages, and a one-minute reminder re-drives it after any failure.
/// </summary>
public sealed partial class ProjectGrain(
    [PersistentState("project", "ferry")] IPersistentState<ProjectState> state,
    ConnectorCatalog catalog,
    ILogger<ProjectGrain> logger) : Grain, IProjectGrain, IRemindable
{
    private const string Drive = "drive";
    private const string PrepareKey = "prepare";
    private const int MaxEvents = 1000;
    private static readonly TimeSpan ProgressWriteEvery = TimeSpan.FromSeconds(10);
    private DateTimeOffset _lastWrite;
    private bool _driving;

    private string Id => this.GetPrimaryKeyString();
    private ProjectState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists && S.Status is ProjectStatus.Running or ProjectStatus.Modifying or ProjectStatus.Integrating) await DriveAsync();
    }

    public async Task<ProjectView> CreateAsync(string tenantId, string createdBy, ProjectSpec spec)
    {
        if (S.Exists) return View();
        state.State = new ProjectState
        {
            Exists = true, TenantId = tenantId, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = createdBy, Spec = spec,
            Status = ProjectStatus.NotStarted,
            Stages = spec.Stages.Select(n => new StageState { Name = n }).ToList(),
        };
        Log("created", $"project created with stages {string.Join(", ", spec.Stages)}", createdBy);
        await state.WriteStateAsync();
        foreach (var ds in new[] { spec.SourceId, spec.DestinationId })
            await GrainFactory.GetGrain<IDataSourceGrain>(ds).SetUsedByAsync(Id, true);
        await GrainFactory.GetGrain<ITenantGrain>(tenantId).AddProjectAsync(Id);
        return View();
    }

    public Task<ProjectView?> GetAsync() => Task.FromResult(S.Exists ? View() : null);

    public async Task<ProjectActionResult> StartAsync(string who)
    {
        if (Refuse("start", who, ProjectStatus.NotStarted) is { } refused) return refused;
        S.Status = ProjectStatus.Running;
        Log("started", "project started", who);
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(Drive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetGrain<IProjectRegistryGrain>("active").SetActiveAsync(Id, true);
        await DriveAsync();
        return new ProjectActionResult(View());
    }

    public async Task<ProjectActionResult> PauseAsync(string who)
    {
        if (Refuse("pause", who, ProjectStatus.Running) is { } refused) return refused;
        S.Status = ProjectStatus.Paused;
        foreach (var s in S.Stages.Where(s => s.Status is StageStatus.Running or StageStatus.Monitoring)) s.Status = StageStatus.Paused;
        Log("paused", "project paused", who);
        await state.WriteStateAsync();
        await PauseComponentsAsync();
        return new ProjectActionResult(View());
    }

    public async Task<ProjectActionResult> ResumeAsync(string who)
    {
        if (Refuse("resume", who, ProjectStatus.Paused, ProjectStatus.Failed) is { } refused) return refused;
        S.Status = IntegrationStatus();
        S.Error = null;
        foreach (var s in S.Stages.Where(s => s.Status is StageStatus.Paused or StageStatus.Failed))
            s.Status = S.Monitored.Contains(s.Name) ? StageStatus.Monitoring : StageStatus.Running;
        Log("resumed", "project resumed from its last checkpoints", who);
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(Drive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetGrain<IProjectRegistryGrain>("active").SetActiveAsync(Id, true);
        await DriveAsync();
        return new ProjectActionResult(View());
    }

    public async Task<ProjectActionResult> ReleaseAsync(string who)
    {
        if (Refuse("release", who, ProjectStatus.Running, ProjectStatus.Paused, ProjectStatus.Failed, ProjectStatus.Completed) is { } refused)
            return refused;
        S.Status = ProjectStatus.Releasing;
        Log("releasing", "project releasing", who);
        await state.WriteStateAsync();
        foreach (var c in ComponentKeys()) await ReleaseComponentAsync(c);
        try
        {
            // What the source keeps for the stream (a replication slot holds WAL) goes with the project.
            await GrainFactory.GetGrain<IStoreGrain>($"{Id}/forward").ReleaseAsync(S.StartPosition is null ? null : await SecretOf(S.Spec.SourceId));
        }
        catch (Exception e)
        {
            Log("release-warning", $"the source could not be told to forget the stream ({e.Message}); remove its replication slot by hand if it has one", null);
            await GrainFactory.GetGrain<IStoreGrain>($"{Id}/forward").ReleaseAsync(null);
        }
        await ForgetReminderAsync();
        await GrainFactory.GetGrain<IProjectRegistryGrain>("active").SetActiveAsync(Id, false);
        foreach (var ds in new[] { S.Spec.SourceId, S.Spec.DestinationId })
            await GrainFactory.GetGrain<IDataSourceGrain>(ds).SetUsedByAsync(Id, false);
        S.Status = ProjectStatus.Released;
        foreach (var s in S.Stages.Where(s => s.Status is StageStatus.Running or StageStatus.Monitoring or StageStatus.Paused))
        {
            s.Status = StageStatus.Completed;
            s.FinishedAt = DateTimeOffset.UtcNow;
        }
        Log("released", "project released: its components are stopped and their checkpoints removed", who);
        await state.WriteStateAsync();
        return new ProjectActionResult(View());
    }

    public async Task<ProjectActionResult> DeleteAsync(string who)
    {
        if (Refuse("delete", who, ProjectStatus.NotStarted, ProjectStatus.Released) is { } refused) return refused;
        foreach (var ds in new[] { S.Spec.SourceId, S.Spec.DestinationId })
            await GrainFactory.GetGrain<IDataSourceGrain>(ds).SetUsedByAsync(Id, false);
        await GrainFactory.GetGrain<ITenantGrain>(S.TenantId).RemoveProjectAsync(Id);
        state.State = new ProjectState();
        await state.ClearStateAsync();
        DeactivateOnIdle();
        return new ProjectActionResult(null);
    }

    public async Task<ProjectActionResult> UpdateAsync(ProjectPatch patch, string who)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        var integrate = patch.Objects is not null && S.Status is ProjectStatus.Paused or ProjectStatus.Failed;
        if (patch.Objects is not null && S.Status is not (ProjectStatus.NotStarted or ProjectStatus.Paused or ProjectStatus.Failed))
            return ProjectActionResult.Refused("project.invalid-transition",
                $"the objects of project {Id} can change while it is NotStarted, Paused or Failed, not {S.Status}");
        if (integrate && (!S.Prepared || Stage(StageNames.Incremental) is null))
            return ProjectActionResult.Refused("project.invalid-transition",
                $"tables can be brought into project {Id} only once its schema stage is done and when it streams changes");
        if (S.Status is ProjectStatus.Releasing or ProjectStatus.Released)
            return ProjectActionResult.Refused("project.invalid-transition", $"project {Id} is {S.Status}");
        if (patch.Objects is { } next && S.Prepared && ChangedShapes(S.Spec.Objects, next) is { Count: > 0 } reshaped)
            return ProjectActionResult.Refused("project.invalid-transition",
                $"the row filter or column subset of {string.Join(", ", reshaped)} cannot change once the table is migrated: " +
                "its rows on the destination were chosen by the old rules");
        var changed = new List<string>();
        if (patch.Name is { } name) { S.Spec.Name = name; changed.Add("name"); }
        if (patch.Tags is { } tags) { S.Spec.Tags = tags; changed.Add("tags"); }
        if (patch.Options is { } options) { S.Spec.Options = options; changed.Add("options"); }
        if (patch.Objects is { } objects) { S.Spec.Objects = objects; changed.Add("objects"); }
        if (changed.Count > 0) Log("modified", $"changed {string.Join(", ", changed)}", who);
        if (integrate)
        {
            // New tables are created and copied while the writer waits at its checkpoint; replaying from
            // there over the fresh copies converges, as it does for the first copy.
            S.Integration++;
            S.IntegrationStep = StageNames.Schema;
            S.Status = IntegrationStatus();
            S.Error = null;
            Log("integrating", "bringing the tables the new object rules select into the project", who);
            await state.WriteStateAsync();
            await this.RegisterOrUpdateReminder(Drive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            await GrainFactory.GetGrain<IProjectRegistryGrain>("active").SetActiveAsync(Id, true);
            await DriveAsync();
            return new ProjectActionResult(View());
        }
        if (changed.Count > 0) await state.WriteStateAsync();
        return new ProjectActionResult(View());
    }

    /// <summary>Migrated tables whose filter or column subset differs between two sets of rules.</summary>
    private List<string> ChangedShapes(ObjectRules before, ObjectRules after)
    {
        static string Key(string k) => k.ToLowerInvariant();
        static Dictionary<string, string> Index<T>(Dictionary<string, T> rules, Func<T, string> text) =>
            rules.GroupBy(p => Key(p.Key)).ToDictionary(g => g.Key, g => text(g.First().Value));
        var filters = Index(before.Filters, f => f);
        var nextFilters = Index(after.Filters, f => f);
        var columns = Index(before.Columns, c => string.Join("\n", c));
        var nextColumns = Index(after.Columns, c => string.Join("\n", c));
        return S.Tables.Select(t => $"{t.Database}.{t.Table}")
            .Where(t => filters.GetValueOrDefault(Key(t)) != nextFilters.GetValueOrDefault(Key(t)) ||
                        columns.GetValueOrDefault(Key(t)) != nextColumns.GetValueOrDefault(Key(t)))
            .ToList();
    }

    private void Decisions(ComponentSpec spec)
    {
        spec.SchemaDdl = new Dictionary<string, string>(S.SchemaDdl);
        spec.SchemaSkipped = S.SchemaSkipped.ToList();
        spec.SchemaRemoved = S.SchemaRemoved.ToList();
    }

    public Task<List<SchemaObject>> GetSchemaObjectsAsync() => Task.FromResult(S.SchemaObjects.ToList());

    public Task<ProjectActionResult> RetrySchemaAsync(string name, string? ddl, string who) => SchemaDecisionAsync(name, who, "retry", o =>
    {
        // a constraint the schema stage could not write for the destination takes the operator's DDL before it is done
        if (o.Kind is "foreignKey" or "check" && (S.Prepared || o.Status != StageStatus.Failed))
            return "a held-back constraint is added at switchover (or after the copy); skip or remove it instead";
        if (ddl is not null) S.SchemaDdl[name] = ddl; else S.SchemaDdl.Remove(name);
        if (ddl is not null) o.Ddl = ddl;
        S.SchemaSkipped.Remove(name);
        return null;
    }, ddl is null ? "retry with the generated DDL" : $"retry with the operator's DDL: {ddl}");

    public Task<ProjectActionResult> SkipSchemaAsync(string name, string who) => SchemaDecisionAsync(name, who, "skip", o =>
    {
        if (!S.SchemaSkipped.Contains(name)) S.SchemaSkipped.Add(name);
        o.Status = StageStatus.Skipped;
        return null;
    }, "skipped: Ferry will not create it");

    public Task<ProjectActionResult> RemoveSchemaAsync(string name, string who) => SchemaDecisionAsync(name, who, "remove", o =>
    {
        if (!S.SchemaRemoved.Contains(name)) S.SchemaRemoved.Add(name);
        S.Tables.RemoveAll(t => $"{t.Database}.{t.Table}" == name);
        S.SchemaObjects.RemoveAll(x => x.Name == name || (o.Kind == "table" && x.Name.StartsWith(name + ".", StringComparison.Ordinal)));
        return null;
    }, "removed from the project");

    /// <summary>
    /// An operator's decision on one schema object. Tables and views are decided before the schema stage
    /// has finished (the project is Failed or Paused); once none is left failing, a project that failed
    /// on them resumes.
    /// </summary>
    private async Task<ProjectActionResult> SchemaDecisionAsync(string name, string who, string action, Func<SchemaObject, string?> decide, string message)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        var table = S.Tables.FirstOrDefault(t => $"{t.Database}.{t.Table}" == name);
        var other = S.SchemaObjects.FirstOrDefault(o => o.Name == name);
        if (table is null && other is null) return ProjectActionResult.Refused("schema.not-found", $"project {Id} has no schema object '{name}'");
        var constraint = other is { Kind: "foreignKey" or "check" };
        if (!constraint && S.Prepared)
            return ProjectActionResult.Refused("project.invalid-transition", $"the schema stage of project {Id} is done: {name} can no longer be changed here");
        if (!constraint && S.Status is not (ProjectStatus.Failed or ProjectStatus.Paused or ProjectStatus.NotStarted))
            return ProjectActionResult.Refused("project.invalid-transition", $"{action} a schema object while the project is Failed, Paused or NotStarted, not {S.Status}");
        var target = other ?? new SchemaObject { Name = name, Kind = "table" };
        if (decide(target) is { } refusal) return ProjectActionResult.Refused("project.invalid-transition", refusal);
        if (table is not null)
        {
            table.Schema = target.Status == StageStatus.Skipped ? StageStatus.Skipped : StageStatus.Pending;
            table.Error = null;
        }
        if (other is not null && action == "retry") { other.Status = StageStatus.Pending; other.Error = null; }
        Log($"schema-{action}", $"{name}: {message}", who);
        await state.WriteStateAsync();
        var stillFailing = S.Tables.Any(t => t.Schema == StageStatus.Failed) ||
                           S.SchemaObjects.Any(o => (o.Kind == "view" || !S.Prepared) && o.Status == StageStatus.Failed);
        if ((!constraint || !S.Prepared) && S.Status == ProjectStatus.Failed && S.Error?.Code == "schema.create-failed" && !stillFailing)
            return await ResumeAsync(who);
        return new ProjectActionResult(View());
    }

    public Task<List<TableProgress>> GetObjectsAsync() => Task.FromResult(S.Tables.ToList());

    public Task<List<ProjectEvent>> GetEventsAsync() => Task.FromResult(S.Events.ToList());

    public Task<List<ComponentView>> GetComponentsAsync() => Task.FromResult(S.Components.Values.ToList());

    public async Task<ProjectActionResult> ReverifyAsync(string who)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        var verify = Stage(StageNames.Verify);
        if (verify is null) return ProjectActionResult.Refused("project.invalid-transition", $"project {Id} has no verify stage");
        if (verify.Status is not (StageStatus.Completed or StageStatus.Failed or StageStatus.Skipped) ||
            S.Status is not (ProjectStatus.Running or ProjectStatus.Completed))
            return ProjectActionResult.Refused("project.invalid-transition",
                $"verification can run again once it has finished and while the project is Running or Completed (it is {verify.Status}, the project {S.Status})");
        await GrainFactory.GetGrain<ICheckerGrain>($"{Id}/{StageNames.Verify}").ReleaseAsync();
        verify.Status = StageStatus.Pending;
        verify.Progress = 0;
        verify.ConsistentTables = verify.InconsistentTables = null;
        verify.FinishedAt = null;
        if (S.Status == ProjectStatus.Completed)
        {
            S.Status = ProjectStatus.Running;
            await this.RegisterOrUpdateReminder(Drive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            await GrainFactory.GetGrain<IProjectRegistryGrain>("active").SetActiveAsync(Id, true);
        }
        Log("reverify", "verification started again", who);
        await state.WriteStateAsync();
        await DriveAsync();
        return new ProjectActionResult(View());
    }

    public async Task<ProjectActionResult> SkipVerifyAsync(string who)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        var verify = Stage(StageNames.Verify);
        if (verify is null || verify.Status is StageStatus.Completed or StageStatus.Skipped)
            return ProjectActionResult.Refused("project.invalid-transition", $"project {Id} has no verification left to skip");
        await GrainFactory.GetGrain<ICheckerGrain>($"{Id}/{StageNames.Verify}").PauseAsync();
        verify.Status = StageStatus.Skipped;
        verify.FinishedAt = DateTimeOffset.UtcNow;
        Log("verify-skipped", "verification skipped", who);
        await state.WriteStateAsync();
        await DriveAsync();
        return new ProjectActionResult(View());
    }

    public async Task<ProjectActionResult> ComponentActionAsync(string component, bool start, string who)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        var key = ComponentKeys().FirstOrDefault(c => c.Key == $"{Id}/{component}");
        if (key.Key is null) return ProjectActionResult.Refused("component.not-found", $"project {Id} has no component '{component}'");
        if (S.Status != ProjectStatus.Running)
            return ProjectActionResult.Refused("project.invalid-transition", $"components are paused and started while the project runs (it is {S.Status})");
        IComponentGrain g = key.Writer ? GrainFactory.GetGrain<IWriterGrain>(key.Key) : GrainFactory.GetGrain<ICheckerGrain>(key.Key);
        if (start)
        {
            if (!await g.ResumeAsync())
                return ProjectActionResult.Refused("project.invalid-transition", $"component '{component}' is not paused");
        }
        else await g.PauseAsync();
        Log(start ? "component-started" : "component-paused", $"component {component} {(start ? "started" : "paused")}", who);
        if (S.Components.TryGetValue(key.Key, out var view)) S.Components[key.Key] = view with { Status = start ? "Running" : "Paused" };
        await state.WriteStateAsync();
        return new ProjectActionResult(View());
    }

    public Task<List<DdlRecord>> GetDdlsAsync() => Task.FromResult(S.Ddls.ToList());

    public async Task<ProjectActionResult> SkipDdlAsync(int n, string who)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        var ddl = S.Ddls.FirstOrDefault(d => d.N == n);
        if (ddl is null) return ProjectActionResult.Refused("ddl.not-found", $"project {Id} has no DDL statement {n}");
        if (ddl.Status != "Blocking")
            return ProjectActionResult.Refused("project.invalid-transition", $"DDL statement {n} is {ddl.Status}, not blocking");
        if (S.Status is not (ProjectStatus.Failed or ProjectStatus.Paused))
            return ProjectActionResult.Refused("project.invalid-transition", $"skip a DDL statement while the project is Failed or Paused, not {S.Status}");
        ddl.Status = "Skipped";
        ddl.SkippedBy = who;
        Log("ddl-skipped", $"DDL statement {n} skipped: {ddl.Statement}", who);
        await state.WriteStateAsync();
        return await ResumeAsync(who);
    }

    public Task WakeAsync() => S.Exists && S.Status is ProjectStatus.Running or ProjectStatus.Modifying or ProjectStatus.Integrating ? DriveAsync() : Task.CompletedTask;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!S.Exists || S.Status is not (ProjectStatus.Running or ProjectStatus.Modifying or ProjectStatus.Integrating or ProjectStatus.Paused or ProjectStatus.Failed or ProjectStatus.NotStarted))
        {
            await ForgetReminderAsync();
            return;
        }
        await WakeAsync();
    }

    public async Task ReportAsync(ComponentReport report)
    {
        if (!S.Exists || S.Status is not (ProjectStatus.Running or ProjectStatus.Modifying or ProjectStatus.Integrating)) return;
        S.Components[report.ComponentId] = new ComponentView(report.ComponentId, report.Kind, report.State.ToString(), report.Silo, Metrics(report));
        var integration = report.ComponentId.Contains("/schema-") || report.ComponentId.Contains("/full-");
        // An integration round's components do not speak for the stages, which finished long ago.
        var stage = integration ? null : S.Stages.FirstOrDefault(s => s.Name == report.Stage);
        if (stage is not null) Apply(stage, report);
        var known = S.Tables.Select(t => $"{t.Database}.{t.Table}").ToHashSet();
        MergeTables(report);
        foreach (var o in report.SchemaObjects)
        {
            var existing = S.SchemaObjects.FindIndex(x => x.Name == o.Name && x.Kind == o.Kind);
            if (existing >= 0) S.SchemaObjects[existing] = o; else S.SchemaObjects.Add(o);
        }
        ApplyDepartures(report);
        if (report.Stage.StartsWith(SwitchoverSteps.ModePrefix, StringComparison.Ordinal))
        {
            await SwitchoverReportAsync(report);
            return;
        }
        if (integration)
        {
            if (report.State == ComponentState.Completed) await IntegrationStepDoneAsync(report, known);
            else if (report.State == ComponentState.Failed)
                await FailAsync(report.ErrorCode ?? "component.failed", report.ErrorMessage ?? "unknown error", report.ComponentId, null);
            else if (DateTimeOffset.UtcNow - _lastWrite > ProgressWriteEvery) await WriteAsync();
            return;
        }

        // A blocked writer resumes exactly at the checkpoint before the statement: one reporting another has gone past it.
        if (report is { Kind: "writer", State: ComponentState.Running, CheckpointPosition: { } at })
            foreach (var d in S.Ddls.Where(d => d.Status == "Blocking" && d.Before != at))
            {
                d.Status = "Passed";
                Log("ddl-passed", $"DDL statement {d.N} was applied after all: {d.Statement}", null);
            }
        if (report is { State: ComponentState.Running, ErrorMessage: { } retrying })
            Log("component-retry", $"{report.ComponentId}: {retrying}", null);

        switch (report.State)
        {
            case ComponentState.Completed:
                if (report.Stage == StageNames.Schema && !S.Prepared)
                {
                    S.Prepared = true;
                    Log("prepared", $"{S.Tables.Count} table(s) selected by the object rules", null);
                    foreach (var t in S.Tables.Where(t => t.Incremental == StageStatus.Skipped))
                        Log("warning", $"{t.Database}.{t.Table}: {t.Error}", null);
                    foreach (var w in report.Warnings) Log("warning", w, null);
                }
                if (stage is not null && stage.Status != StageStatus.Completed)
                {
                    stage.Status = StageStatus.Completed;
                    stage.Progress = 100;
                    stage.FinishedAt = DateTimeOffset.UtcNow;
                    Log("stage-completed", $"stage {stage.Name} completed", null);
                }
                await state.WriteStateAsync();
                await DriveAsync();
                return;
            case ComponentState.Failed:
                if (report.BlockedDdl is { } blocked && !S.Ddls.Any(d => d.Before == blocked.Before && d.After == blocked.After))
                {
                    blocked.N = S.Ddls.Count + 1;
                    blocked.At = DateTimeOffset.UtcNow;
                    S.Ddls.Add(blocked);
                }
                await FailAsync(report.ErrorCode ?? "component.failed", report.ErrorMessage ?? "unknown error", report.ComponentId, stage);
                return;
        }

        if (stage is { Name: StageNames.Incremental or StageNames.Reverse, Status: StageStatus.Running }
            && report.LatencySeconds is { } latency && latency <= S.Spec.Options.LatencyThresholdSeconds)
        {
            stage.Status = StageStatus.Monitoring;
            S.Monitored.Add(stage.Name);
            Log("stage-monitoring", $"stage {stage.Name} caught up (latency {latency:0.###} s)", null);
            await state.WriteStateAsync();
            await DriveAsync();
            return;
        }
        if (DateTimeOffset.UtcNow - _lastWrite > ProgressWriteEvery) await WriteAsync();
    }

    /// <summary>Makes sure the component for the current stage runs; advances when stages complete.</summary>
    private async Task DriveAsync()
    {
        if (_driving || !S.Exists || S.Status is not (ProjectStatus.Running or ProjectStatus.Modifying or ProjectStatus.Integrating)) return;
        _driving = true;
        try { await DriveCoreAsync(); }
        catch (Exception e)
        {
            logger.LogError(e, "driving project {Id} failed", Id);
            await FailAsync(e is Engine.Errors.FerryException fe ? fe.Code : "project.drive-failed", e.Message, null, null);
        }
        finally { _driving = false; }
    }

    /// <summary>Modifying while the new object rules are resolved and new tables created, Integrating while they are copied.</summary>
    private ProjectStatus IntegrationStatus() => S.IntegrationStep switch
    {
        null => ProjectStatus.Running,
        StageNames.Schema => ProjectStatus.Modifying,
        _ => ProjectStatus.Integrating,
    };

    /// <summary>One step of bringing new tables in: create them, then copy them.</summary>
    private async Task DriveIntegrationAsync()
    {
        var n = S.Integration;
        var hasSchema = Stage(StageNames.Schema) is not null;
        if (S.IntegrationStep == StageNames.Schema)
            await StartComponentAsync<ICheckerGrain>($"{Id}/schema-{n}", StageNames.Schema, spec =>
            {
                spec.Objects = S.Spec.Objects;
                spec.CreateSchema = hasSchema;
                spec.Incremental = true;
                spec.DeferSecondaryIndexes = hasSchema && Stage(StageNames.Full) is not null;
                Decisions(spec);
            });
        else
            await StartComponentAsync<ICheckerGrain>($"{Id}/full-{n}", StageNames.Full, spec =>
            {
                spec.Tables = spec.Tables.Where(t => S.IntegratingTables.Contains($"{t.Database}.{t.Table}")).ToList();
                spec.DeferSecondaryIndexes = hasSchema;
            });
    }

    private async Task IntegrationStepDoneAsync(ComponentReport report, HashSet<string> known)
    {
        // A late report from a round that already finished changes nothing.
        if (S.IntegrationStep is null || !report.ComponentId.EndsWith($"-{S.Integration}", StringComparison.Ordinal)) return;
        if (S.IntegrationStep == StageNames.Schema)
        {
            S.IntegratingTables = report.Tables.Select(t => $"{t.Database}.{t.Table}").Where(k => !known.Contains(k)).ToList();
            Log("integrating", $"{S.IntegratingTables.Count} new table(s): {string.Join(", ", S.IntegratingTables)}", null);
            if (S.IntegratingTables.Count > 0 && Stage(StageNames.Full) is not null)
            {
                // The log must carry the new tables before they are copied, or changes during the copy are lost.
                if (S.StartPosition is not null)
                    await GrainFactory.GetGrain<IStoreGrain>($"{Id}/forward").IncludeTablesAsync(await SecretOf(S.Spec.SourceId),
                        StreamedTables().Where(t => S.IntegratingTables.Contains($"{t.Database}.{t.Table}")).ToList());
                S.IntegrationStep = StageNames.Full;
                S.Status = IntegrationStatus();
                await state.WriteStateAsync();
                await DriveAsync();
                return;
            }
        }
        // Done: the writer continues from its checkpoint with the new tables in scope.
        S.IntegrationStep = null;
        S.Status = ProjectStatus.Running;
        foreach (var s in S.Stages.Where(s => s.Status is StageStatus.Paused or StageStatus.Failed))
            s.Status = S.Monitored.Contains(s.Name) ? StageStatus.Monitoring : StageStatus.Running;
        Log("integrated", "the new tables joined the project", null);
        await state.WriteStateAsync();
        await DriveAsync();
    }

    private async Task DriveCoreAsync()
    {
        if (S.Status is ProjectStatus.Modifying or ProjectStatus.Integrating)
        {
            await DriveIntegrationAsync();
            return;
        }
        var schemaStage = Stage(StageNames.Schema);
        if (!S.Prepared)
        {
            if (schemaStage is not null) StartStage(schemaStage);
            await StartComponentAsync<ICheckerGrain>($"{Id}/{StageNames.Schema}", StageNames.Schema, spec =>
            {
                spec.Objects = S.Spec.Objects;
                spec.CreateSchema = schemaStage is not null;
                spec.Incremental = Stage(StageNames.Incremental) is not null;
                spec.DeferSecondaryIndexes = schemaStage is not null && Stage(StageNames.Full) is not null;
                Decisions(spec);
            });
            return;
        }
        var hasIncremental = Stage(StageNames.Incremental) is not null;
        if (S.Switchover.Count > 0)
        {
            await AdvanceSwitchoverAsync();
            if (S.Status != ProjectStatus.Running) return;
        }
        foreach (var stage in S.Stages)
        {
            if (stage.Status is StageStatus.Completed or StageStatus.Skipped) continue;
            switch (stage.Name)
            {
                case StageNames.Schema:
                    stage.Status = StageStatus.Completed;
                    continue;
                case StageNames.Full:
                    if (hasIncremental) await CaptureStartPositionAsync();
                    StartStage(stage);
                    await StartComponentAsync<ICheckerGrain>($"{Id}/{StageNames.Full}", StageNames.Full, spec =>
                    {
                        spec.DeferSecondaryIndexes = Stage(StageNames.Schema) is not null;
                        // With incremental, constraints wait for switchover; without, the copy is final.
                        if (!hasIncremental)
                            spec.DeferredConstraints = S.SchemaObjects.Where(o => o.Kind != "view" && o.Status == StageStatus.Pending).ToList();
                    });
                    return;
                case StageNames.Incremental:
                    await CaptureStartPositionAsync();
                    StartStage(stage);
                    foreach (var t in S.Tables.Where(t => t.Incremental == StageStatus.Pending)) t.Incremental = StageStatus.Running;
                    await StartComponentAsync<IWriterGrain>($"{Id}/forward", "forward", spec =>
                    {
                        spec.StartPosition = S.StartPosition;
                        spec.Objects = S.Spec.Objects;
                        // Only takes effect when the writer's checkpoint is exactly before the skipped statement.
                        if (S.Ddls.LastOrDefault(d => d.Status == "Skipped") is { } skipped)
                            (spec.SkipFrom, spec.SkipTo) = (skipped.Before, skipped.After);
                    });
                    if (stage.Status == StageStatus.Monitoring) continue;
                    return;
                case StageNames.Verify:
                    StartStage(stage);
                    await StartComponentAsync<ICheckerGrain>($"{Id}/{StageNames.Verify}", StageNames.Verify, _ => { });
                    return;
                default:
                    await FailAsync("project.stage-unsupported", $"stage {stage.Name} is not supported yet", null, stage);
                    return;
            }
        }
        if (!hasIncremental || SwitchoverDone)
        {
            S.Status = ProjectStatus.Completed;
            Log("completed", SwitchoverDone ? "switchover done and all stages completed" : "all stages completed", null);
            await state.WriteStateAsync();
            await ForgetReminderAsync();
            await GrainFactory.GetGrain<IProjectRegistryGrain>("active").SetActiveAsync(Id, false);
        }
    }

    private void StartStage(StageState stage)
    {
        if (stage.Status != StageStatus.Pending) return;
        stage.Status = StageStatus.Running;
        stage.StartedAt = DateTimeOffset.UtcNow;
        Log("stage-started", $"stage {stage.Name} started", null);
    }

    /// <summary>The tables the forward stream follows (tables without a key are copied only).</summary>
    private List<TableRoute> StreamedTables() => S.Tables.Where(t => t.Incremental != StageStatus.Skipped)
        .Select(t => new TableRoute(t.Database, t.Table, t.DestDatabase, t.DestTable)).ToList();

    private async Task CaptureStartPositionAsync()
    {
        if (S.StartPosition is not null) return;
        var source = await SecretOf(S.Spec.SourceId);
        S.StartPosition = await GrainFactory.GetGrain<IStoreGrain>($"{Id}/forward").CaptureStartPositionAsync(source, StreamedTables());
        Log("start-position", $"incremental will start at source position {S.StartPosition}", null);
        await state.WriteStateAsync();
    }

    private async Task StartComponentAsync<T>(string key, string mode, Action<ComponentSpec> configure) where T : IComponentGrain
    {
        var spec = new ComponentSpec
        {
            ProjectId = Id, Mode = mode,
            Source = await SecretOf(S.Spec.SourceId),
            Destination = await SecretOf(S.Spec.DestinationId),
            Tables = S.Tables
                .Where(t => mode != "forward" || t.Incremental != StageStatus.Skipped)
                .Select(t => new TableRoute(t.Database, t.Table, t.DestDatabase, t.DestTable)).ToList(),
            Concurrency = mode == StageNames.Verify ? S.Spec.Options.VerifyConcurrency : S.Spec.Options.FullConcurrency,
            LatencyThresholdSeconds = S.Spec.Options.LatencyThresholdSeconds,
            // Every component applies the same row filters and column subsets.
            Objects = S.Spec.Objects,
        };
        configure(spec);
        await state.WriteStateAsync();
        _lastWrite = DateTimeOffset.UtcNow;
        await GrainFactory.GetGrain<T>(key).StartAsync(spec);
    }

    private async Task<DataSourceSecret> SecretOf(string dataSourceId)
    {
        var r = await GrainFactory.GetGrain<IDataSourceGrain>(dataSourceId).GetAsync()
            ?? throw new Engine.Errors.FerryException("datasource.not-found", $"data source {dataSourceId} no longer exists");
        return ConnectorCatalog.SecretOf(r);
    }

    private async Task FailAsync(string code, string message, string? component, StageState? stage)
    {
        S.Status = ProjectStatus.Failed;
        S.Error = new ProjectError(code, message, component, DateTimeOffset.UtcNow);
        if (stage is not null) stage.Status = StageStatus.Failed;
        Log("failed", $"{code}: {message}", null);
        await state.WriteStateAsync();
        await PauseComponentsAsync();
    }

    private IEnumerable<(string Key, bool Writer)> ComponentKeys() =>
        new[]
        {
            ($"{Id}/{StageNames.Schema}", false), ($"{Id}/{StageNames.Full}", false),
            ($"{Id}/{StageNames.Verify}", false), ($"{Id}/forward", true),
        }.Concat(Enumerable.Range(1, S.Integration).SelectMany(n => new[] { ($"{Id}/schema-{n}", false), ($"{Id}/full-{n}", false) }))
        .Concat(S.Switchover.Count == 0 ? [] : SwitchoverComponents().Select(c => ($"{Id}/{c}", false)));

    private async Task PauseComponentsAsync()
    {
        foreach (var (key, writer) in ComponentKeys())
        {
            IComponentGrain g = writer ? GrainFactory.GetGrain<IWriterGrain>(key) : GrainFactory.GetGrain<ICheckerGrain>(key);
            await g.PauseAsync();
        }
    }

    private async Task ReleaseComponentAsync((string Key, bool Writer) c)
    {
        IComponentGrain g = c.Writer ? GrainFactory.GetGrain<IWriterGrain>(c.Key) : GrainFactory.GetGrain<ICheckerGrain>(c.Key);
        await g.ReleaseAsync();
        if (!c.Writer) return;
        try
        {
            // The checkpoint row lives in the destination; forget it so a new project starts clean.
            var dst = catalog.Open(await SecretOf(S.Spec.DestinationId));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await catalog.For(dst.Kind).OpenDestination(dst).DeleteCheckpointAsync(c.Key, timeout.Token);
        }
        catch (Exception e)
        {
            Log("release-warning", $"the checkpoint of {c.Key} could not be removed from the destination: {e.Message}", null);
        }
    }

    private async Task ForgetReminderAsync()
    {
        var r = await this.GetReminder(Drive);
        if (r is not null) await this.UnregisterReminder(r);
    }

    private ProjectActionResult? Refuse(string action, string who, params ProjectStatus[] allowed)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        if (allowed.Contains(S.Status)) return null;
        return ProjectActionResult.Refused("project.invalid-transition",
            $"cannot {action} project {Id} while it is {S.Status}; allowed from {string.Join(", ", allowed)}");
    }

    private StageState? Stage(string name) => S.Stages.FirstOrDefault(s => s.Name == name);

    private static void Apply(StageState stage, ComponentReport r)
    {
        stage.UpdatedAt = DateTimeOffset.UtcNow;
        if (r.Progress is { } p) stage.Progress = p;
        if (r.EstimatedRows is { } e) stage.EstimatedRows = e;
        if (r.MigratedRows is { } m) stage.MigratedRows = m;
        if (r.Rps is { } rps) stage.Rps = rps;
        if (r.LatencySeconds is { } l) stage.LatencySeconds = l;
        if (r.CheckpointPosition is { } pos) stage.Checkpoint = new CheckpointView(pos, r.CheckpointTimestamp);
        if (r.Inserted is { } i) stage.Inserted = i;
        if (r.Updated is { } u) stage.Updated = u;
        if (r.Deleted is { } d) stage.Deleted = d;
        if (r.Ddl is { } ddl) stage.Ddl = ddl;
        if (r.ConsistentTables is { } c) stage.ConsistentTables = c;
        if (r.InconsistentTables is { } ic) stage.InconsistentTables = ic;
    }

    private void MergeTables(ComponentReport r)
    {
        foreach (var t in r.Tables)
        {
            var mine = S.Tables.FirstOrDefault(x => x.Database == t.Database && x.Table == t.Table);
            if (mine is null)
            {
                S.Tables.Add(t);
                continue;
            }
            switch (r.Stage)
            {
                case StageNames.Schema:
                    mine.Schema = t.Schema; mine.Ddl = t.Ddl; mine.Error = t.Error;
                    break;
                case StageNames.Full:
                    mine.Full = t.Full; mine.EstimatedRows = t.EstimatedRows; mine.MigratedRows = t.MigratedRows;
                    break;
                case StageNames.Verify:
                    mine.Verify = t.Verify; mine.SourceRows = t.SourceRows; mine.DestRows = t.DestRows; mine.DiffKeys = t.DiffKeys;
                    mine.Mismatches = t.Mismatches; mine.MissingInDest = t.MissingInDest; mine.ExtraInDest = t.ExtraInDest;
                    if (t.Error is not null) mine.Error = t.Error;
                    break;
            }
        }
    }

    /// <summary>
    /// Tables the writer stopped following: a dropped or renamed one leaves the object list (its new name
    /// joined it); one renamed out of the object rules stays listed, no longer synchronized, with a warning.
    /// </summary>
    private void ApplyDepartures(ComponentReport r)
    {
        foreach (var d in r.Departed)
        {
            var mine = S.Tables.FirstOrDefault(x => x.Database == d.Database && x.Table == d.Table);
            if (mine is null) continue;
            if (!d.Left)
            {
                S.Tables.Remove(mine);
                Log("table-departed", $"{d.Database}.{d.Table}: {d.Reason}", null);
            }
            else if (mine.Incremental != StageStatus.Skipped)
            {
                mine.Incremental = StageStatus.Skipped;
                mine.Error = d.Reason;
                Log("warning", $"{d.Database}.{d.Table}: {d.Reason}", null);
            }
        }
    }

    private static Dictionary<string, double> Metrics(ComponentReport r)
    {
        var m = new Dictionary<string, double>();
        if (r.Rps is { } rps) m["rps"] = rps;
        if (r.LatencySeconds is { } l) m["latencySeconds"] = l;
        if (r.Progress is { } p) m["progress"] = p;
        return m;
    }

    private void Log(string type, string message, string? who)
    {
        S.Events.Add(new ProjectEvent(DateTimeOffset.UtcNow, type, message, who));
        if (S.Events.Count > MaxEvents) S.Events.RemoveRange(0, S.Events.Count - MaxEvents);
    }

    private async Task WriteAsync()
    {
        _lastWrite = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
    }

    private ProjectView View() => new()
    {
        Id = Id, Name = S.Spec.Name, Kind = S.Spec.Kind, Status = S.Status, CreatedAt = S.CreatedAt, CreatedBy = S.CreatedBy,
        Tags = S.Spec.Tags, SourceId = S.Spec.SourceId, DestinationId = S.Spec.DestinationId, Stages = S.Stages,
        Error = S.Error, Objects = S.Spec.Objects, Options = S.Spec.Options, Sink = S.Spec.Sink, TenantId = S.TenantId,
    };
}
