namespace Ferry.Engine.Checker;

/// <summary>How one table compared: row counts on each side and the keys that still differ after re-checks.</summary>
public sealed record TableVerdict(
    int Table,
    long SourceRows,
    long DestRows,
    IReadOnlyList<object?[]> Mismatched,
    IReadOnlyList<object?[]> MissingInDest,
    IReadOnlyList<object?[]> ExtraInDest,
    string? Error = null)
{
    public bool Consistent => Error is null && Mismatched.Count == 0 && MissingInDest.Count == 0 && ExtraInDest.Count == 0;
}
