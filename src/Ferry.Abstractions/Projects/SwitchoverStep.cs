namespace Ferry.Abstractions.Projects;

/// <summary>One step of a project's forward switchover (<see cref="SwitchoverSteps"/>), kept in the project's state.</summary>
[GenerateSerializer, Alias("SwitchoverStep")]
public sealed class SwitchoverStep
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public StageStatus Status { get; set; }
    /// <summary>What the step is doing or waiting for, what it found, or why it failed.</summary>
    [Id(2)] public string? Detail { get; set; }
    [Id(3)] public DateTimeOffset? StartedAt { get; set; }
    [Id(4)] public DateTimeOffset? FinishedAt { get; set; }
    /// <summary><c>confirmSyncComplete</c>: the source log position read after writes stopped, which the writer must reach.</summary>
    [Id(5)] public string? Target { get; set; }
}

/// <summary>The steps of a forward switchover, in the order they run (OceanBase Migration Service's model).</summary>
public static class SwitchoverSteps
{
    public const string Precheck = "precheck";
    public const string StartDestinationStore = "startDestinationStore";
    public const string ConfirmSourceWritesStopped = "confirmSourceWritesStopped";
    public const string ConfirmSyncComplete = "confirmSyncComplete";
    public const string StopForwardSync = "stopForwardSync";
    public const string ProcessObjects = "processObjects";
    public const string StartReverse = "startReverse";

    public static readonly IReadOnlyList<string> Ordered =
        [Precheck, StartDestinationStore, ConfirmSourceWritesStopped, ConfirmSyncComplete, StopForwardSync, ProcessObjects, StartReverse];

    /// <summary>The component mode (checker grain) that runs an automatic step outside the project's turns.</summary>
    public const string ModePrefix = "switchover.";
}
