using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Copy;
using Ferry.Engine.Errors;
using Ferry.Engine.Loader;
using Ferry.Engine.Schema;
using Ferry.Engine.Verify;

namespace Ferry.Engine.Checker;

/// <summary>
/// Verification: both sides read chunk by chunk over the same key ranges and compared in
/// canonical form; rows that differ are read again after a pause (the writer may simply not
/// have applied them yet) and only rows that still differ count as inconsistent.
/// </summary>
public sealed class Verifier(ISnapshotSource source, ISnapshotSource dest, IReadOnlyList<TableMapping> tables, int concurrency)
{
    public int Rechecks { get; init; } = 3;
    public TimeSpan RecheckDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Chunks of one table compared at once (each reads both sides at once).</summary>
    public int ChunkConcurrency { get; init; } = 2;
    /// <summary>Whether chunks are first compared by digests both servers compute (when both can, in one dialect).</summary>
    public bool UseServerDigests { get; init; } = true;

    private int _digestedChunks;
    /// <summary>Chunks found equal by their server digests alone (no rows read).</summary>
    public int DigestedChunks => _digestedChunks;

    public async Task<IReadOnlyList<TableVerdict>> RunAsync(Func<TableVerdict, Task> onTable, CancellationToken ct)
    {
        var verdicts = new TableVerdict[tables.Count];
        // Tables aggregated into one destination table are compared together with it.
        var groups = Enumerable.Range(0, tables.Count).GroupBy(i => tables[i].Target).Select(g => g.ToArray()).ToList();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct };
        await Parallel.ForEachAsync(groups, options, async (group, token) =>
        {
            TableVerdict verdict;
            try { verdict = await VerifyAsync(group, token); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                verdict = new TableVerdict(group[0], 0, 0, [], [], [], e.Message);
            }
            foreach (var i in group)
            {
                verdicts[i] = verdict with { Table = i };
                await onTable(verdicts[i]);
            }
        });
        return verdicts;
    }

    private async Task<TableVerdict> VerifyAsync(int[] group, CancellationToken ct)
    {
        var mapping = tables[group[0]];
        var src = mapping.Source;
        var dst = await dest.ReadTableAsync(mapping.Target, ct)
            ?? throw new FerryException("verify.table-missing", $"destination table {mapping.Target} does not exist");
        var compared = src.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToArray();
        var srcCols = compared.Select(src.IndexOf).ToArray();
        var dstCols = compared.Select(dst.IndexOf).ToArray();
        var missingColumn = compared.Where((_, i) => dstCols[i] < 0).ToList();
        if (missingColumn.Count > 0)
            throw new FerryException("verify.column-missing", $"destination table {mapping.Target} lacks column(s) {string.Join(", ", missingColumn)}");
        if (src.Key.Count == 0) return await VerifyWholeTableAsync(group[0], src, dst, srcCols, dstCols, mapping.Filter, ct);
        var srcKey = src.KeyOrdinals();
        var dstKey = src.Key.Select(dst.IndexOf).ToArray();
        // Compare over the destination's definition read with the source's key order.
        var dstForRanges = dst with { Key = src.Key };
        var members = group.Select(i => tables[i]).ToList();
        var normalize = Normalizers(compared.Select(n => src.Columns[src.IndexOf(n)]).ToArray(), compared.Select(n => dst.Columns[dst.IndexOf(n)]).ToArray());

        // The source rows of a range: those of each aggregated table (same columns and key, checked by the schema stage).
        IAsyncEnumerable<object?[]> SourceRange(KeyRange range, CancellationToken token) =>
            Concat(members.Select(m => source.ReadChunkAsync(m.Source, range, token, m.Filter)), token);

        long sourceRows = 0, destRows = 0;
        List<object?[]> mismatched = [], missing = [], extra = [];
        // Within one engine, both servers first digest the chunk themselves; rows are read only where the digests differ.
        // Equal digests of one dialect mean equal values as read, so equal after any normalizer too.
        var digest = UseServerDigests && members.Count == 1;
        if (digest)
        {
            // The whole table first: when it is equal (the usual case) neither the chunk plan nor any row is read.
            var all = new KeyRange(null, null);
            var srcDigest = source.DigestChunkAsync(src, all, compared, ct, mapping.Filter);
            var dstDigest = dest.DigestChunkAsync(dstForRanges, all, compared, ct);
            var (a, b) = (await srcDigest, await dstDigest);
            if (a is null || b is null || a.Dialect != b.Dialect) digest = false;
            else if (a == b)
            {
                Interlocked.Increment(ref _digestedChunks);
                return new TableVerdict(group[0], a.Rows, b.Rows, [], [], []);
            }
        }
        // One table: ranges over the source. Several: over the destination, which holds them all.
        var ranges = members.Count == 1
            ? await source.PlanChunksAsync(src, FullCopier.RowsPerChunk, ct)
            : await dest.PlanChunksAsync(dstForRanges, FullCopier.RowsPerChunk, ct);
        // Chunks are compared ChunkConcurrency at a time (each reads both sides at once); results are summed in key order.
        var diffs = new ChunkDiff[ranges.Count];
        var chunkOptions = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, ChunkConcurrency), CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, ranges.Count), chunkOptions, async (i, token) =>
        {
            if (digest)
            {
                var srcDigest = source.DigestChunkAsync(src, ranges[i], compared, token, mapping.Filter);
                var dstDigest = dest.DigestChunkAsync(dstForRanges, ranges[i], compared, token);
                var (a, b) = (await srcDigest, await dstDigest);
                if (a is null || b is null || a.Dialect != b.Dialect) digest = false; // not comparable: rows from now on
                else if (a == b)
                {
                    Interlocked.Increment(ref _digestedChunks);
                    diffs[i] = new ChunkDiff(a.Rows, b.Rows, [], [], []);
                    return;
                }
            }
            diffs[i] = await ChunkComparison.CompareAsync(
                SourceRange(ranges[i], token), dest.ReadChunkAsync(dstForRanges, ranges[i], token),
                srcKey, srcCols, dstKey, dstCols, token, normalize);
        });
        foreach (var diff in diffs)
        {
            sourceRows += diff.SourceRows;
            destRows += diff.DestRows;
            mismatched.AddRange(diff.Mismatched);
            missing.AddRange(diff.MissingInDest);
            extra.AddRange(diff.ExtraInDest);
        }

        // Rows that differ may just be in flight: read them again after a pause.
        for (var round = 0; round < Rechecks && mismatched.Count + missing.Count + extra.Count > 0; round++)
        {
            await Task.Delay(RecheckDelay, ct);
            var keys = mismatched.Concat(missing).Concat(extra).ToList();
            var again = await ChunkComparison.CompareAsync(
                Concat(members.Select(m => source.ReadRowsAsync(m.Source, keys, ct, m.Filter)), ct), dest.ReadRowsAsync(dstForRanges, keys, ct),
                srcKey, srcCols, dstKey, dstCols, ct, normalize);
            (mismatched, missing, extra) = (again.Mismatched.ToList(), again.MissingInDest.ToList(), again.ExtraInDest.ToList());
        }
        return new TableVerdict(group[0], sourceRows, destRows, mismatched, missing, extra);
    }

    /// <summary>
    /// How to put both sides of a column in one form before comparing. Within one engine values compare
    /// as read, byte for byte; where the destination stores a column as another type (JSON as jsonb across
    /// engines), the values are compared in that type's canonical form. Each normalizer only re-spells a
    /// value (a value it cannot read is left as it is, so it still differs): it never makes unequal values equal.
    /// Types whose readers already agree in canonical form need none: TINYINT(1) 0/1 and boolean (both
    /// <c>0</c>/<c>1</c>), BIGINT UNSIGNED and numeric (digits), DECIMAL and numeric (text with the scale),
    /// TIMESTAMP and timestamptz (UTC), ENUM/SET and text.
    /// </summary>
    public static Func<object?, object?>?[] Normalizers(ColumnSchema[] source, ColumnSchema[] dest)
    {
        var result = new Func<object?, object?>?[source.Length];
        for (var i = 0; i < source.Length; i++)
        {
            var (s, d) = (source[i].DataType, dest[i].DataType);
            // PostgreSQL → MySQL. Arrays are stored as JSON arrays: the source's array text in that form, both canonical JSON.
            if (source[i].ColumnType.EndsWith("[]", StringComparison.Ordinal) && s.StartsWith('_') && !d.StartsWith('_'))
            {
                var element = PgArrayJson.Of(s);
                // the source side parses as an array literal, the destination side (already JSON) does not
                result[i] = v => v is string text ? JsonCanonical.Normalize(PgArrayJson.TryConvert(text, element) ?? text) : v;
            }
            else if (s != d && (s is "json" or "jsonb" || d is "json" or "jsonb"))
                result[i] = v => v is string text ? JsonCanonical.Normalize(text) : v;
            // MySQL TIME (a signed span of hours) as PostgreSQL interval, read as its text
            else if (s == "time" && d == "interval")
                result[i] = v => v is string text && CrossEngineValues.TryParseInterval(text, out var span) ? RowValues.FormatTime(span) : v;
            // MySQL BIT(n) (an unsigned integer) as bit varying(n), read as its digits
            else if (s == "bit" && d is "varbit" or "bit")
            {
                var width = CrossEngineValues.Width(dest[i].ColumnType) ?? CrossEngineValues.Width(source[i].ColumnType) ?? 1;
                result[i] = v => v is ulong bits ? CrossEngineValues.Bits(bits, width) : v;
            }
            // MySQL CHAR loses its trailing spaces on reading; PostgreSQL char(n) is read padded to n
            else if (s == "char" && d == "bpchar")
                result[i] = v => v is string text ? text.TrimEnd(' ') : v;
            // numeric without a precision becomes DECIMAL(65,30), read with 30 fraction digits: the same number without
            // its trailing fraction zeros on both sides (money: its C-locale text without symbol and separators)
            else if (s is "numeric" or "money" && d == "decimal")
                result[i] = v => v is string text ? CrossEngineValues.TrimDecimal(s == "money" ? CrossEngineValues.Money(text) : text) : v;
            else if (s == "inet" && d != "inet")
                result[i] = v => v is string text ? CrossEngineValues.Inet(text) : v;
            // PostgreSQL char(n) is read padded to n, MySQL CHAR without its trailing spaces
            else if (s == "bpchar" && d != "bpchar")
                result[i] = v => v is string text ? text.TrimEnd(' ') : v;
            // bit strings as MySQL BIT(n), an unsigned integer: both sides as n digits
            else if (s is "bit" or "varbit" && d == "bit")
            {
                var width = CrossEngineValues.Width(dest[i].ColumnType) ?? 1;
                result[i] = v => v switch
                {
                    ulong bits => CrossEngineValues.Bits(bits, width),
                    string text when text.Length is > 0 and <= 64 && text.All(ch => ch is '0' or '1') => CrossEngineValues.Bits(Convert.ToUInt64(text, 2), width),
                    _ => v,
                };
            }
            // timetz as TIME: the offset is dropped (the type table says so)
            else if (s == "timetz" && d == "time")
                result[i] = v => v switch
                {
                    TimeSpan t => RowValues.FormatTime(t),
                    string text when TimeSpan.TryParse(CrossEngineValues.TimeOfTimeTz(text), System.Globalization.CultureInfo.InvariantCulture, out var t) => RowValues.FormatTime(t),
                    _ => v,
                };
        }
        return result;
    }

    private static async IAsyncEnumerable<object?[]> Concat(IEnumerable<IAsyncEnumerable<object?[]>> parts,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var part in parts)
            await foreach (var row in part.WithCancellation(ct))
                yield return row;
    }

    /// <summary>A table without a key is compared whole, as a multiset of rows, and read again while it differs.</summary>
    private async Task<TableVerdict> VerifyWholeTableAsync(int index, TableSchema src, TableSchema dst, int[] srcCols, int[] dstCols, Filters.RowFilter? filter, CancellationToken ct)
    {
        var all = new KeyRange(null, null);
        ChunkDiff diff;
        var round = 0;
        while (true)
        {
            diff = await ChunkComparison.CompareRowsAsync(source.ReadChunkAsync(src, all, ct, filter), dest.ReadChunkAsync(dst, all, ct), srcCols, dstCols, ct);
            if (diff.IsEmpty || round++ >= Rechecks) break;
            await Task.Delay(RecheckDelay, ct);
        }
        return new TableVerdict(index, diff.SourceRows, diff.DestRows, diff.Mismatched, diff.MissingInDest, diff.ExtraInDest);
    }
}
