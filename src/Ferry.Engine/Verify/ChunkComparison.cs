using Ferry.Engine.Changes;

namespace Ferry.Engine.Verify;

/// <summary>Rows of one chunk that differ between the two sides, by key.</summary>
public sealed record ChunkDiff(
    long SourceRows,
    long DestRows,
    IReadOnlyList<object?[]> Mismatched,
    IReadOnlyList<object?[]> MissingInDest,
    IReadOnlyList<object?[]> ExtraInDest)
{
    public bool IsEmpty => Mismatched.Count == 0 && MissingInDest.Count == 0 && ExtraInDest.Count == 0;

    /// <summary>The keys of every differing row.</summary>
    public IEnumerable<object?[]> AllKeys => Mismatched.Concat(MissingInDest).Concat(ExtraInDest);
}

/// <summary>
/// Compares the rows of the same key range read from both sides, in canonical form, so the
/// comparison does not depend on either server's ordering, session settings or driver types.
/// </summary>
public static class ChunkComparison
{
    /// <param name="sourceKey">Ordinals of the key columns in source rows.</param>
    /// <param name="sourceColumns">Ordinals of the compared columns in source rows.</param>
    /// <param name="destKey">Ordinals of the same key columns in destination rows.</param>
    /// <param name="destColumns">Ordinals of the same compared columns, in the same order, in destination rows.</param>
    /// <param name="normalize">Per compared column, a function that puts both sides' values in one form (across engines); null: compared as read.</param>
    public static async Task<ChunkDiff> CompareAsync(
        IAsyncEnumerable<object?[]> source, IAsyncEnumerable<object?[]> dest,
        int[] sourceKey, int[] sourceColumns, int[] destKey, int[] destColumns, CancellationToken ct,
        Func<object?, object?>?[]? normalize = null)
    {
        var collisions = new HashSet<string>(StringComparer.Ordinal);
        var src = await IndexAsync(source, sourceKey, sourceColumns, collisions, normalize, ct);
        var dst = await IndexAsync(dest, destKey, destColumns, null, normalize, ct);
        var mismatched = new List<object?[]>();
        var missing = new List<object?[]>();
        var extra = new List<object?[]>();
        foreach (var (k, (key, hash)) in src)
        {
            // Two source tables aggregated into one gave the same key: the destination can hold only one of them.
            if (collisions.Contains(k)) mismatched.Add(key);
            else if (!dst.TryGetValue(k, out var other)) missing.Add(key);
            else if (other.Row != hash) mismatched.Add(key);
        }
        foreach (var (k, (key, _)) in dst)
            if (!src.ContainsKey(k)) extra.Add(key);
        return new ChunkDiff(src.Count, dst.Count, mismatched, missing, extra);
    }

    private static async Task<Dictionary<string, (object?[] Key, string Row)>> IndexAsync(
        IAsyncEnumerable<object?[]> rows, int[] key, int[] columns, HashSet<string>? collisions, Func<object?, object?>?[]? normalize, CancellationToken ct)
    {
        var map = new Dictionary<string, (object?[], string)>(StringComparer.Ordinal);
        await foreach (var row in rows.WithCancellation(ct))
        {
            var k = key.Select(i => row[i]).ToArray();
            var canonicalKey = RowValues.CanonicalRow(k);
            var values = new object?[columns.Length];
            for (var c = 0; c < columns.Length; c++)
                values[c] = normalize?[c] is { } n ? n(row[columns[c]]) : row[columns[c]];
            if (!map.TryAdd(canonicalKey, (k, RowValues.CanonicalRow(values)))) collisions?.Add(canonicalKey);
        }
        return map;
    }

    /// <summary>
    /// For tables with no key: both sides as multisets of whole rows. Rows the destination lacks
    /// (or has too few of) are missing, rows it has in excess are extra; each is its own "key".
    /// </summary>
    public static async Task<ChunkDiff> CompareRowsAsync(
        IAsyncEnumerable<object?[]> source, IAsyncEnumerable<object?[]> dest, int[] sourceColumns, int[] destColumns, CancellationToken ct)
    {
        var counts = new Dictionary<string, (object?[] Row, int Count)>(StringComparer.Ordinal);
        long sourceRows = 0, destRows = 0;
        await foreach (var row in source.WithCancellation(ct))
        {
            sourceRows++;
            var values = sourceColumns.Select(i => row[i]).ToArray();
            var k = RowValues.CanonicalRow(values);
            counts[k] = counts.TryGetValue(k, out var c) ? (c.Row, c.Count + 1) : (values, 1);
        }
        await foreach (var row in dest.WithCancellation(ct))
        {
            destRows++;
            var values = destColumns.Select(i => row[i]).ToArray();
            var k = RowValues.CanonicalRow(values);
            counts[k] = counts.TryGetValue(k, out var c) ? (c.Row, c.Count - 1) : (values, -1);
        }
        var missing = counts.Values.Where(c => c.Count > 0).SelectMany(c => Enumerable.Repeat(c.Row, c.Count)).ToList();
        var extra = counts.Values.Where(c => c.Count < 0).SelectMany(c => Enumerable.Repeat(c.Row, -c.Count)).ToList();
        return new ChunkDiff(sourceRows, destRows, [], missing, extra);
    }
}
