using Ferry.Abstractions.Components;
using Ferry.Abstractions.Projects;
using Ferry.Engine.Errors;
using Ferry.Grains.Connectors;
using Microsoft.Extensions.Logging;

namespace Ferry.Grains.Components;

/// <summary>
/// Shared life cycle of the worker grains: the work runs in a pump task outside grain turns;
/// the grain keeps what the component should be doing, a one-minute reminder re-activates it on
/// a surviving silo after a crash, and activation restarts the pump from the persisted checkpoint.
/// </summary>
public abstract class ComponentGrain(IPersistentState<ComponentGrainState> state, ConnectorCatalog catalog, ILogger logger)
    : Grain, IComponentGrain, IRemindable
{
    private const string KeepAlive = "keepalive";
    private const int MaxAttempts = 8;
    private CancellationTokenSource? _cts;
    private Task? _pump;

    protected IPersistentState<ComponentGrainState> State => state;
    protected ConnectorCatalog Catalog => catalog;
    protected ILogger Logger => logger;
    protected abstract string Kind { get; }
    // Captured during activation: the pump runs on the thread pool, where activation services
    // (the Grain properties) must not be touched.
    protected string Id { get; private set; } = "";
    protected string Silo { get; private set; } = "";
    protected IGrainFactory Grains { get; private set; } = null!;

    /// <summary>The work itself. Runs on the thread pool; talks to grains only through references.</summary>
    protected abstract Task RunAsync(ComponentSpec spec, CancellationToken ct);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Id = this.GetPrimaryKeyString();
        Silo = RuntimeIdentity;
        Grains = GrainFactory;
        if (state.State.Desired == ComponentState.Running && state.State.Spec is not null) StartPump();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await StopPumpAsync();
    }

    public async Task StartAsync(ComponentSpec spec)
    {
        if (state.State.Desired == ComponentState.Running && PumpAlive) return;
        state.State.Spec = spec;
        state.State.Desired = ComponentState.Running;
        state.State.Error = null;
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartPump();
    }

    public async Task PauseAsync()
    {
        if (state.State.Desired != ComponentState.Running) return;
        state.State.Desired = ComponentState.Paused;
        await state.WriteStateAsync();
        // Not waiting: the pump may be waiting on its project, which may be the caller. A new
        // pump waits for this one to end before it starts.
        if (_cts is not null) await _cts.CancelAsync();
        await ForgetReminderAsync();
    }

    public async Task<bool> ResumeAsync()
    {
        if (state.State.Desired != ComponentState.Paused || state.State.Spec is null) return false;
        state.State.Desired = ComponentState.Running;
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartPump();
        return true;
    }

    public Task EnsureRunningAsync()
    {
        if (state.State.Desired == ComponentState.Running && state.State.Spec is not null && !PumpAlive) StartPump();
        return Task.CompletedTask;
    }

    public async Task ReleaseAsync()
    {
        await StopPumpAsync();
        await ForgetReminderAsync();
        state.State = new ComponentGrainState();
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    public Task<ComponentView> GetViewAsync()
    {
        var status = state.State.Desired == ComponentState.Running && !PumpAlive ? "Starting" : state.State.Desired.ToString();
        return Task.FromResult(new ComponentView(Id, Kind, status, Silo, []));
    }

    public async Task PumpEndedAsync(string? errorCode, string? errorMessage)
    {
        if (state.State.Desired != ComponentState.Running) return;
        state.State.Desired = errorCode is null ? ComponentState.Completed : ComponentState.Failed;
        state.State.Error = errorMessage;
        await state.WriteStateAsync();
        await ForgetReminderAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => EnsureRunningAsync();

    private bool PumpAlive => _pump is { IsCompleted: false };

    private void StartPump()
    {
        var previous = _pump;
        var cts = new CancellationTokenSource();
        _cts = cts;
        var spec = state.State.Spec!;
        var self = this.AsReference<IComponentGrain>();
        var project = Grains.GetGrain<IProjectGrain>(spec.ProjectId);
        var id = Id;
        var kind = Kind;
        var silo = Silo;
        _pump = Task.Run(async () =>
        {
            // A pump that is still winding down finishes first, so two never write at once.
            if (previous is not null) { try { await previous; } catch { /* it reported its own end */ } }
            try
            {
                await RunWithRetriesAsync(spec, project, cts.Token);
                await self.PumpEndedAsync(null, null);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                var code = e is FerryException fe ? fe.Code : "component.failed";
                logger.LogError(e, "{Component} {Id} failed", kind, id);
                try
                {
                    await self.PumpEndedAsync(code, e.Message);
                    await project.ReportAsync(new ComponentReport
                    {
                        ComponentId = id, Kind = kind, Stage = StageOf(spec), State = ComponentState.Failed,
                        ErrorCode = code, ErrorMessage = e.Message, Silo = silo,
                        BlockedDdl = e is Engine.Syncer.DdlBlockedException ddl
                            ? new DdlRecord { Database = ddl.Database, Statement = ddl.Statement, Before = ddl.Before.Value, After = ddl.After.Value }
                            : null,
                    });
                }
                catch (Exception report) { logger.LogError(report, "could not report the failure of {Id}", id); }
            }
        });
    }

    /// <summary>
    /// Runs the work, and runs it again from its checkpoint after a transient failure (a lost
    /// connection, a restarting server), backing off up to a minute. The attempt count starts over
    /// once a run has lasted a while, so a long stream survives occasional blips; a failure that
    /// keeps coming, or one that is not transient, fails the component.
    /// </summary>
    private async Task RunWithRetriesAsync(ComponentSpec spec, IProjectGrain project, CancellationToken ct)
    {
        var attempt = 0;
        while (true)
        {
            var started = DateTime.UtcNow;
            try
            {
                await RunAsync(spec, ct);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && Failures.IsTransient(e))
            {
                if (DateTime.UtcNow - started > TimeSpan.FromMinutes(2)) attempt = 0;
                if (++attempt > MaxAttempts) throw;
                var delay = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt - 1)));
                logger.LogWarning("{Component} {Id}: {Message}; retrying from the checkpoint in {Delay} s (attempt {Attempt} of {Max})",
                    Kind, Id, e.Message, delay.TotalSeconds, attempt, MaxAttempts);
                try
                {
                    await project.ReportAsync(new ComponentReport
                    {
                        ComponentId = Id, Kind = Kind, Stage = StageOf(spec), State = ComponentState.Running, Silo = Silo,
                        ErrorCode = e is FerryException fe ? fe.Code : "component.transient",
                        ErrorMessage = $"{e.Message}; retrying in {delay.TotalSeconds:0} s (attempt {attempt} of {MaxAttempts})",
                    });
                }
                catch (Exception report) when (!ct.IsCancellationRequested) { logger.LogDebug(report, "could not report a retry"); }
                await Task.Delay(delay, ct);
            }
        }
    }

    private async Task StopPumpAsync()
    {
        if (_cts is null) return;
        await _cts.CancelAsync();
        if (_pump is not null)
        {
            // The pump may be waiting on a call into this grain; do not wait for it forever.
            try { await _pump.WaitAsync(TimeSpan.FromSeconds(5)); } catch { /* ended or still ending */ }
        }
    }

    private async Task ForgetReminderAsync()
    {
        var r = await this.GetReminder(KeepAlive);
        if (r is not null) await this.UnregisterReminder(r);
    }

    protected static string StageOf(ComponentSpec spec) => spec.Mode switch
    {
        "forward" => StageNames.Incremental,
        "reverse" => StageNames.Reverse,
        _ => spec.Mode,
    };

    protected Task ReportAsync(ComponentSpec spec, ComponentReport report)
    {
        report.ComponentId = Id;
        report.Kind = Kind;
        report.Stage = StageOf(spec);
        report.Silo = Silo;
        return Grains.GetGrain<IProjectGrain>(spec.ProjectId).ReportAsync(report);
    }
}
