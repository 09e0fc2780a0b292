using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
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

    public async Task<IReadOnlyList<TableVerdict>> RunAsync(Func<TableVerdict, Task> onTable, CancellationToken ct)
    {
        var verdicts = new TableVerdict[tables.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, tables.Count), options, async (i, token) =>
        {
            TableVerdict verdict;
            try { verdict = await VerifyTableAsync(i, token); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                verdict = new TableVerdict(i, 0, 0, [], [], [], e.Message);
            }
            verdicts[i] = verdict;
            await onTable(verdict);
        });
        return verdicts;
    }

    private async Task<TableVerdict> VerifyTableAsync(int index, CancellationToken ct)
    {
        var mapping = tables[index];
        var src = mapping.Source;
        var dst = await dest.ReadTableAsync(mapping.Target, ct)
            ?? throw new FerryException("verify.table-missing", $"destination table {mapping.Target} does not exist");
        if (src.Key.Count == 0)
            throw new FerryException("verify.no-key", $"table {src.Name} has no primary or non-null unique key to compare by");
        var compared = src.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToArray();
        var srcCols = compared.Select(src.IndexOf).ToArray();
        var dstCols = compared.Select(dst.IndexOf).ToArray();
        var missingColumn = compared.Where((_, i) => dstCols[i] < 0).ToList();
        if (missingColumn.Count > 0)
            throw new FerryException("verify.column-missing", $"destination table {mapping.Target} lacks column(s) {string.Join(", ", missingColumn)}");
        var srcKey = src.KeyOrdinals();
        var dstKey = src.Key.Select(dst.IndexOf).ToArray();
        // Compare over the destination's definition read with the source's key order.
        var dstForRanges = dst with { Key = src.Key };

        long sourceRows = 0, destRows = 0;
        var suspects = new List<object?[]>();
        foreach (var range in await source.PlanChunksAsync(src, FullCopier.RowsPerChunk, ct))
        {
            var diff = await ChunkComparison.CompareAsync(
                source.ReadChunkAsync(src, range, ct), dest.ReadChunkAsync(dstForRanges, range, ct),
                srcKey, srcCols, dstKey, dstCols, ct);
            sourceRows += diff.SourceRows;
            destRows += diff.DestRows;
            suspects.AddRange(diff.AllKeys);
        }

        ChunkDiff? last = null;
        for (var round = 0; round < Rechecks && suspects.Count > 0; round++)
        {
            await Task.Delay(RecheckDelay, ct);
            last = await ChunkComparison.CompareAsync(
                source.ReadRowsAsync(src, suspects, ct), dest.ReadRowsAsync(dstForRanges, suspects, ct),
                srcKey, srcCols, dstKey, dstCols, ct);
            suspects = last.AllKeys.ToList();
        }
        if (suspects.Count == 0 || last is null)
            return new TableVerdict(index, sourceRows, destRows, [], [], []);
        return new TableVerdict(index, sourceRows, destRows, last.Mismatched, last.MissingInDest, last.ExtraInDest);
    }
}
