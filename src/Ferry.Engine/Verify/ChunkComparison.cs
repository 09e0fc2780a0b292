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
        // Both sides are read at once, each into its own index; rows are kept as read and compared value by
        // value (in canonical-form equality), so no per-row text is built.
        var collisions = new HashSet<RowKey>(RowKey.Comparer);
        var srcTask = IndexAsync(source, sourceKey, collisions, ct);
        var dstTask = IndexAsync(dest, destKey, null, ct);
        var (src, dst) = (await srcTask.ConfigureAwait(false), await dstTask.ConfigureAwait(false));
        var mismatched = new List<object?[]>();
        var missing = new List<object?[]>();
        var extra = new List<object?[]>();
        foreach (var k in src.Keys)
        {
            // Two source tables aggregated into one gave the same key: the destination can hold only one of them.
            if (collisions.Contains(k)) mismatched.Add(k.Values());
            else if (!dst.TryGetValue(k, out var other)) missing.Add(k.Values());
            else if (!RowsEqual(k.Row, sourceColumns, other.Row, destColumns, normalize)) mismatched.Add(k.Values());
        }
        foreach (var k in dst.Keys)
            if (!src.ContainsKey(k)) extra.Add(k.Values());
        return new ChunkDiff(src.Count, dst.Count, mismatched, missing, extra);
    }

    private static bool RowsEqual(object?[] a, int[] aColumns, object?[] b, int[] bColumns, Func<object?, object?>?[]? normalize)
    {
        for (var c = 0; c < aColumns.Length; c++)
        {
            var (x, y) = (a[aColumns[c]], b[bColumns[c]]);
            if (normalize?[c] is { } n) (x, y) = (n(x), n(y));
            if (!CanonicalEquality.Equal(x, y)) return false;
        }
        return true;
    }

    private static Task<Dictionary<RowKey, RowKey>> IndexAsync(
        IAsyncEnumerable<object?[]> rows, int[] key, HashSet<RowKey>? collisions, CancellationToken ct) =>
        Task.Run(async () =>
        {
            var map = new Dictionary<RowKey, RowKey>(RowKey.Comparer);
            await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
            {
                var k = new RowKey(row, key);
                if (!map.TryAdd(k, k)) collisions?.Add(k);
            }
            return map;
        }, ct);

    /// <summary>A row seen through its key columns; keys are equal when their values' canonical forms are.</summary>
    private readonly record struct RowKey(object?[] Row, int[] Key)
    {
        public object?[] Values()
        {
            var values = new object?[Key.Length];
            for (var i = 0; i < Key.Length; i++) values[i] = Row[Key[i]];
            return values;
        }

        public static readonly IEqualityComparer<RowKey> Comparer = new KeyComparer();

        private sealed class KeyComparer : IEqualityComparer<RowKey>
        {
            public bool Equals(RowKey a, RowKey b)
            {
                if (a.Key.Length != b.Key.Length) return false;
                for (var i = 0; i < a.Key.Length; i++)
                    if (!CanonicalEquality.Equal(a.Row[a.Key[i]], b.Row[b.Key[i]])) return false;
                return true;
            }

            public int GetHashCode(RowKey k)
            {
                var hash = new HashCode();
                for (var i = 0; i < k.Key.Length; i++) hash.Add(CanonicalEquality.Hash(k.Row[k.Key[i]]));
                return hash.ToHashCode();
            }
        }
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
