using Ferry.Abstractions.Components;
using Ferry.Abstractions.Projects;

namespace Ferry.Grains.Projects;

/// <summary>
/// Forward switchover: checks, the operator's confirmation that the application stopped writing, waiting for the
/// writer to reach the source's log position read after that, stopping the stream, then the held-back constraints
/// and the numbering (sequences, AUTO_INCREMENT) set to the source's. The automatic steps with I/O run in checker
/// components (<c>{projectId}/switchover-…</c>), never in the project's turns; every step's state is in the project's
/// state, so a restarted node continues where it was.
/// </summary>
public sealed partial class ProjectGrain
{
    private const string ForwardStream = "forward";

    private static string ComponentOf(string step) => step switch
    {
        SwitchoverSteps.ConfirmSyncComplete => "switchover-sync",
        SwitchoverSteps.StopForwardSync => "switchover-stop",
        SwitchoverSteps.ProcessObjects => "switchover-objects",
        _ => "",
    };

    private static IEnumerable<string> SwitchoverComponents() =>
        [ComponentOf(SwitchoverSteps.ConfirmSyncComplete), ComponentOf(SwitchoverSteps.StopForwardSync), ComponentOf(SwitchoverSteps.ProcessObjects)];

    private bool SwitchoverDone => S.Switchover.Count > 0 && S.Switchover.All(s => s.Status is StageStatus.Completed or StageStatus.Skipped);

    public Task<List<SwitchoverStep>> GetSwitchoverAsync() => Task.FromResult(S.Switchover.Count > 0
        ? S.Switchover.ToList()
        : SwitchoverSteps.Ordered.Select(n => new SwitchoverStep { Name = n, Status = StageStatus.Pending }).ToList());

    public async Task<ProjectActionResult> StartSwitchoverAsync(string who)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        if (S.Switchover.Count > 0)
            return ProjectActionResult.Refused("switchover.already-started",
                $"the switchover of project {Id} has already started (at {S.Switchover[0].StartedAt:O}); follow it at GET …/switchover");
        var incremental = Stage(StageNames.Incremental);
        if (incremental is null)
            return ProjectActionResult.Refused("switchover.not-allowed", $"project {Id} has no incremental stage: there is no stream to switch over from");
        if (S.Status != ProjectStatus.Running || incremental.Status is not (StageStatus.Running or StageStatus.Monitoring))
            return ProjectActionResult.Refused("switchover.not-allowed",
                $"switchover starts while the incremental stage streams (Running or Monitoring); project {Id} is {S.Status} and its incremental stage {incremental.Status}");
        var now = DateTimeOffset.UtcNow;
        S.Switchover = SwitchoverSteps.Ordered.Select(n => new SwitchoverStep { Name = n, Status = StageStatus.Pending }).ToList();
        S.Switchover[0].StartedAt = now;
        Log("switchover-started", "forward switchover started", who);
        await state.WriteStateAsync();
        await DriveAsync();
        return new ProjectActionResult(View());
    }

    public async Task<ProjectActionResult> SwitchoverStepAsync(string name, string action, bool force, string who)
    {
        if (!S.Exists) return ProjectActionResult.Refused("project.not-found", $"project {Id} does not exist");
        if (!SwitchoverSteps.Ordered.Contains(name))
            return ProjectActionResult.Refused("switchover.step-not-found",
                $"there is no switchover step '{name}'; the steps are {string.Join(", ", SwitchoverSteps.Ordered)}");
        if (S.Switchover.Count == 0)
            return ProjectActionResult.Refused("switchover.not-started", $"the switchover of project {Id} has not started: POST …/switchover first");
        if (S.Status is not (ProjectStatus.Running or ProjectStatus.Paused or ProjectStatus.Failed))
            return ProjectActionResult.Refused("project.invalid-transition", $"project {Id} is {S.Status}: its switchover steps can no longer change");
        var step = S.Switchover.First(s => s.Name == name);
        var current = S.Switchover.FirstOrDefault(s => s.Status is not (StageStatus.Completed or StageStatus.Skipped));
        switch (action)
        {
            case "confirm":
                if (name != SwitchoverSteps.ConfirmSourceWritesStopped || step.Status != StageStatus.Running)
                    return ProjectActionResult.Refused("switchover.not-waiting",
                        $"step {name} is {step.Status} and is not waiting for a confirmation; only {SwitchoverSteps.ConfirmSourceWritesStopped} is, once it runs");
                step.Status = StageStatus.Completed;
                step.FinishedAt = DateTimeOffset.UtcNow;
                step.Detail = $"confirmed by {who} at {step.FinishedAt:O}: the application no longer writes to the source";
                Log("switchover-confirmed", $"{who} confirmed that writes to the source have stopped", who);
                break;
            case "retry":
                if (step.Status != StageStatus.Failed)
                    return ProjectActionResult.Refused("switchover.not-failed", $"step {name} is {step.Status}; only a Failed step can be retried");
                if (ComponentOf(name) is { Length: > 0 } component)
                    await GrainFactory.GetGrain<ICheckerGrain>($"{Id}/{component}").ReleaseAsync();
                step.Status = StageStatus.Pending;
                step.Detail = null;
                Log("switchover-retry", $"switchover step {name} retried", who);
                break;
            case "skip":
                if (step != current)
                    return ProjectActionResult.Refused("switchover.not-current",
                        $"step {name} is {step.Status}; only the step the switchover is at ({current?.Name ?? "none"}) can be skipped");
                switch (name)
                {
                    case SwitchoverSteps.ConfirmSourceWritesStopped:
                        return ProjectActionResult.Refused("switchover.skip-not-allowed",
                            $"{name} cannot be skipped: confirm it once the application has stopped writing to the source");
                    case SwitchoverSteps.StopForwardSync:
                        return ProjectActionResult.Refused("switchover.skip-not-allowed",
                            $"{name} cannot be skipped: the writer must stop before constraints and sequences are set on the destination");
                    case SwitchoverSteps.ConfirmSyncComplete when !force:
                        return ProjectActionResult.Refused("switchover.force-required",
                            "skipping confirmSyncComplete may leave source changes missing on the destination; send {\"force\": true} to do it anyway");
                }
                if (ComponentOf(name) is { Length: > 0 } running)
                    await GrainFactory.GetGrain<ICheckerGrain>($"{Id}/{running}").PauseAsync();
                step.Status = StageStatus.Skipped;
                step.FinishedAt = DateTimeOffset.UtcNow;
                step.Detail = $"skipped by {who}" + (step.Detail is { } was ? $" (it was: {was})" : "");
                Log(name == SwitchoverSteps.ConfirmSyncComplete ? "warning" : "switchover-skipped",
                    name == SwitchoverSteps.ConfirmSyncComplete
                        ? $"{who} skipped confirmSyncComplete with force: changes the writer had not applied yet may be missing on the destination"
                        : $"switchover step {name} skipped", who);
                break;
            default:
                return ProjectActionResult.Refused("switchover.action-unknown", $"unknown switchover action '{action}': confirm, retry or skip");
        }
        await state.WriteStateAsync();
        await DriveAsync();
        return new ProjectActionResult(View());
    }

    /// <summary>Runs the switchover on from its first unfinished step; steps that wait (for the operator, a component) return.</summary>
    private async Task AdvanceSwitchoverAsync()
    {
        while (S.Switchover.FirstOrDefault(s => s.Status is not (StageStatus.Completed or StageStatus.Skipped)) is { } step)
        {
            if (step.Status == StageStatus.Failed) return;
            var starting = step.Status == StageStatus.Pending;
            if (starting)
            {
                step.Status = StageStatus.Running;
                step.StartedAt ??= DateTimeOffset.UtcNow;
                Log("switchover-step", $"switchover step {step.Name} started", null);
            }
            switch (step.Name)
            {
                case SwitchoverSteps.Precheck:
                    Precheck(step);
                    break;
                case SwitchoverSteps.StartDestinationStore:
                    Finish(step, StageStatus.Skipped, "only for reverse sync, which is not supported yet: the destination's changes are not captured");
                    break;
                case SwitchoverSteps.ConfirmSourceWritesStopped:
                    step.Detail = "waiting for the operator: stop the application's writes to the source, then POST …/switchover/steps/confirmSourceWritesStopped/confirm";
                    await state.WriteStateAsync();
                    return;
                case SwitchoverSteps.ConfirmSyncComplete:
                    step.Detail ??= "reading the source's current log position";
                    await StartComponentAsync<ICheckerGrain>($"{Id}/{ComponentOf(step.Name)}", SwitchoverSteps.ModePrefix + step.Name,
                        spec => spec.StartPosition = step.Target);
                    return;
                case SwitchoverSteps.StopForwardSync:
                    if (starting || Stage(StageNames.Incremental) is { Status: not StageStatus.Completed })
                    {
                        await GrainFactory.GetGrain<IWriterGrain>($"{Id}/{ForwardStream}").PauseAsync();
                        if (Stage(StageNames.Incremental) is { } incremental && incremental.Status != StageStatus.Completed)
                        {
                            incremental.Status = StageStatus.Completed;
                            incremental.FinishedAt = DateTimeOffset.UtcNow;
                            Log("stage-completed", "stage incremental completed: forward sync stopped for switchover", null);
                        }
                        foreach (var t in S.Tables.Where(t => t.Incremental is StageStatus.Running or StageStatus.Paused or StageStatus.Monitoring))
                            t.Incremental = StageStatus.Completed;
                        if (S.Components.TryGetValue($"{Id}/{ForwardStream}", out var writer))
                            S.Components[writer.Id] = writer with { Status = "Completed" };
                        step.Detail = "writer stopped; releasing what the source keeps for the stream";
                    }
                    await StartComponentAsync<ICheckerGrain>($"{Id}/{ComponentOf(step.Name)}", SwitchoverSteps.ModePrefix + step.Name, _ => { });
                    return;
                case SwitchoverSteps.ProcessObjects:
                    step.Detail ??= "adding held-back constraints and setting sequences and AUTO_INCREMENT counters";
                    await StartComponentAsync<ICheckerGrain>($"{Id}/{ComponentOf(step.Name)}", SwitchoverSteps.ModePrefix + step.Name, spec =>
                        spec.DeferredConstraints = S.SchemaObjects
                            .Where(o => o.Kind is "foreignKey" or "check" && o.Status is StageStatus.Pending or StageStatus.Failed).ToList());
                    return;
                case SwitchoverSteps.StartReverse:
                    Finish(step, StageStatus.Skipped, "reverse sync is not supported yet");
                    break;
            }
            if (step.Status == StageStatus.Failed)
            {
                await state.WriteStateAsync();
                return;
            }
        }
        if (SwitchoverDone && !S.Events.Any(e => e.Type == "switchover-completed"))
        {
            Log("switchover-completed", "forward switchover completed: the destination is the database now", null);
            await state.WriteStateAsync();
        }
    }

    private void Finish(SwitchoverStep step, StageStatus status, string detail)
    {
        step.Status = status;
        step.Detail = detail;
        step.FinishedAt = DateTimeOffset.UtcNow;
        Log(status == StageStatus.Failed ? "switchover-step-failed" : "switchover-step",
            $"switchover step {step.Name} {status.ToString().ToLowerInvariant()}: {detail}", null);
    }

    /// <summary>
    /// Hard failures: a DDL statement stopped the writer, the writer failed or is not streaming, verification shows
    /// inconsistent tables, the writer is far behind (more than ten times the latency threshold, at least a minute).
    /// Warnings: latency above the threshold, verification still running or not part of the project, tables not synced.
    /// </summary>
    private void Precheck(SwitchoverStep step)
    {
        var failures = new List<string>();
        var warnings = new List<string>();
        foreach (var d in S.Ddls.Where(d => d.Status == "Blocking"))
            failures.Add($"DDL statement {d.N} stopped the writer ({d.Statement}): skip it at /ddl/{d.N}/skip or apply it");
        var incremental = Stage(StageNames.Incremental);
        if (S.Status != ProjectStatus.Running || incremental?.Status is not (StageStatus.Running or StageStatus.Monitoring))
            failures.Add($"the writer is not streaming (project {S.Status}, incremental {incremental?.Status})");
        if (S.Components.TryGetValue($"{Id}/{ForwardStream}", out var writer) && writer.Status == nameof(ComponentState.Failed))
            failures.Add("the writer failed");
        var threshold = S.Spec.Options.LatencyThresholdSeconds;
        if (incremental?.LatencySeconds is { } latency)
        {
            if (latency > Math.Max(60, 10 * threshold)) failures.Add($"the writer is {latency:0.#} s behind the source");
            else if (latency > threshold) warnings.Add($"latency {latency:0.#} s is above the threshold of {threshold} s: confirmSyncComplete will wait for it");
        }
        var verify = Stage(StageNames.Verify);
        var inconsistent = S.Tables.Where(t => t.Verify == StageStatus.Failed).Select(t => $"{t.Database}.{t.Table}").ToList();
        if (inconsistent.Count > 0)
            failures.Add($"verification shows {inconsistent.Count} inconsistent table(s): {string.Join(", ", inconsistent)} (reverify, or skip this step to switch over anyway)");
        if (verify is null) warnings.Add("the project has no verify stage: the data was not compared");
        else if (verify.Status is not (StageStatus.Completed or StageStatus.Skipped)) warnings.Add($"verification is {verify.Status}");
        foreach (var t in S.Tables.Where(t => t.Incremental == StageStatus.Skipped))
            warnings.Add($"{t.Database}.{t.Table} is not kept in sync ({t.Error})");
        foreach (var w in warnings) Log("warning", $"switchover precheck: {w}", null);
        if (failures.Count > 0) Finish(step, StageStatus.Failed, "precheck failed: " + string.Join("; ", failures));
        else Finish(step, StageStatus.Completed, warnings.Count == 0 ? "passed" : "passed with warnings: " + string.Join("; ", warnings));
    }

    /// <summary>A report of a switchover component: progress (detail, target position), completion or failure of its step.</summary>
    private async Task SwitchoverReportAsync(ComponentReport report)
    {
        var name = report.Stage[SwitchoverSteps.ModePrefix.Length..];
        var step = S.Switchover.FirstOrDefault(s => s.Name == name);
        if (step is null || step.Status != StageStatus.Running) return;
        var detail = report.Warnings.Count > 0 ? string.Join("; ", report.Warnings) : null;
        switch (report.State)
        {
            case ComponentState.Completed:
                Finish(step, StageStatus.Completed, detail ?? "done");
                await state.WriteStateAsync();
                await DriveAsync();
                return;
            case ComponentState.Failed:
                Finish(step, StageStatus.Failed, $"{report.ErrorCode}: {report.ErrorMessage}");
                await state.WriteStateAsync();
                return;
            default:
                if (report.CheckpointPosition is { } target && step.Target is null) step.Target = target;
                if (report.ErrorMessage is { } retrying) detail = retrying;
                if (detail is not null) step.Detail = detail;
                if (DateTimeOffset.UtcNow - _lastWrite > ProgressWriteEvery || report.CheckpointPosition is not null) await WriteAsync();
                return;
        }
    }
}
