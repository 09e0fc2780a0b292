namespace Ferry.Engine.Changes;

/// <summary>
/// PostgreSQL's <c>infinity</c> or <c>-infinity</c> in a date or timestamp column: a value of its own, so that the real
/// dates 0001-01-01 and 9999-12-31 (which <see cref="DateOnly.MinValue"/>/<see cref="DateOnly.MaxValue"/> stand for)
/// are never taken for it. PostgreSQL keeps it; an engine without infinite dates refuses it by name.
/// </summary>
public sealed record InfiniteTime(bool Negative)
{
    public static readonly InfiniteTime Future = new(false);
    public static readonly InfiniteTime Past = new(true);

    /// <summary>PostgreSQL's spelling, also the canonical form for comparison.</summary>
    public override string ToString() => Negative ? "-infinity" : "infinity";
}
