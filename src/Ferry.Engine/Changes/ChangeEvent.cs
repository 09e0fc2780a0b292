namespace Ferry.Engine.Changes;

/// <summary>Something a change reader yields, with the log position just after it.</summary>
/// <param name="Position">Where to resume so that this event is not read again.</param>
/// <param name="Timestamp">When the source committed it (for latency).</param>
public abstract record ChangeEvent(LogPosition Position, DateTimeOffset Timestamp);

/// <summary>A committed source transaction: all its row changes, in log order.</summary>
public sealed record TransactionEvent(IReadOnlyList<RowChange> Rows, LogPosition Position, DateTimeOffset Timestamp)
    : ChangeEvent(Position, Timestamp);

/// <summary>A schema change, applied in order with the rows around it.</summary>
/// <param name="Database">The default database the statement ran in (may be empty).</param>
/// <param name="Statement">The statement text as the source logged it.</param>
/// <param name="Plan">What the statement does, when the source's dialect parser understood it.</param>
public sealed record DdlEvent(string Database, string Statement, LogPosition Position, DateTimeOffset Timestamp, DdlPlan? Plan = null)
    : ChangeEvent(Position, Timestamp);

/// <summary>The source is alive and idle at this position: lets latency fall to zero and the checkpoint advance.</summary>
public sealed record HeartbeatEvent(LogPosition Position, DateTimeOffset Timestamp)
    : ChangeEvent(Position, Timestamp);
