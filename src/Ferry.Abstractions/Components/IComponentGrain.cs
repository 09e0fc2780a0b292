namespace Ferry.Abstractions.Components;

/// <summary>
/// A worker of a project. Its pump runs outside grain turns; the grain persists its spec and
/// checkpoints, and a reminder brings it back on another silo if its silo dies.
/// </summary>
public interface IComponentGrain : IGrainWithStringKey
{
    /// <summary>Starts (or continues) the work described by <paramref name="spec"/>; idempotent.</summary>
    [Alias("Start")] Task StartAsync(ComponentSpec spec);
    /// <summary>Stops the pump; progress so far is kept.</summary>
    [Alias("Pause")] Task PauseAsync();
    /// <summary>Continues a paused component with the work it was given.</summary>
    [Alias("Resume")] Task<bool> ResumeAsync();
    /// <summary>Restarts the pump if the component should be running and is not (after a crash or pause).</summary>
    [Alias("EnsureRunning")] Task EnsureRunningAsync();
    /// <summary>Stops and forgets everything (project released).</summary>
    [Alias("Release")] Task ReleaseAsync();
    [Alias("GetView")] Task<ComponentView> GetViewAsync();
    /// <summary>Called by the component's own pump when it ends: null error means its work is complete.</summary>
    [Alias("PumpEnded")] Task PumpEndedAsync(string? errorCode, string? errorMessage);
}

/// <summary>Schema creation, full copy and verification of a project (key: <c>{projectId}/{mode}</c>).</summary>
[Alias("ICheckerGrain")]
public interface ICheckerGrain : IComponentGrain
{
    /// <summary>The pump's chunk plan, saved once before copying starts.</summary>
    [Alias("SavePlan")] Task SavePlanAsync(List<ChunkRecord> plan);
    [Alias("GetPlan")] Task<List<ChunkRecord>> GetPlanAsync();
    /// <summary>A chunk committed on the destination.</summary>
    [Alias("ChunkDone")] Task ChunkDoneAsync(int index, long rows);
}

/// <summary>Applies the source's changes to the destination (key: <c>{projectId}/{direction}</c>).</summary>
[Alias("IWriterGrain")]
public interface IWriterGrain : IComponentGrain;

/// <summary>Owns the source log position a direction starts from (key: <c>{projectId}/{direction}</c>).</summary>
[Alias("IStoreGrain")]
public interface IStoreGrain : IGrainWithStringKey
{
    /// <summary>Records the current end of the source log once, and returns it ever after; the log follows <paramref name="tables"/> from then on.</summary>
    [Alias("CaptureStartPositionFor")] Task<string> CaptureStartPositionAsync(DataSourceSecret source, List<TableRoute> tables);
    [Alias("GetStartPosition")] Task<string?> GetStartPositionAsync();
    /// <summary>Tables joining the stream: the source's log carries them from now on, before they are copied.</summary>
    [Alias("IncludeTables")] Task IncludeTablesAsync(DataSourceSecret source, List<TableRoute> tables);
    /// <summary>Forgets the start position and what the source keeps for the stream (a replication slot).</summary>
    [Alias("ReleaseFrom")] Task ReleaseAsync(DataSourceSecret? source);
}
