using Ferry.Engine.Changes;

namespace Ferry.Engine.Syncer;

/// <summary>What the incremental apply has done so far; reported about once a second.</summary>
public sealed record SyncProgress(
    LogPosition Checkpoint,
    DateTimeOffset CheckpointTimestamp,
    double LatencySeconds,
    long Inserted,
    long Updated,
    long Deleted,
    long Ddl,
    double RowsPerSecond);
