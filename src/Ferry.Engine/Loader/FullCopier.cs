using System.Diagnostics;
using Ferry.Engine.Connections;

namespace Ferry.Engine.Loader;

/// <summary>
/// The full copy: tables split into key-range chunks, several chunks in flight at once, each
/// streamed from the source into the destination's bulk loader. Chunks are idempotent (the
/// destination replaces rows by key, or replaces the chunk's key range on the pass-through path of
/// <see cref="IPassThroughDestination"/>), so a restart redoes only the chunks that were in flight.
/// </summary>
public sealed class FullCopier(ISnapshotSource source, IDestination destination, IReadOnlyList<TableMapping> tables, int concurrency)
{
    public const int RowsPerChunk = 20_000;

    public async Task<List<ChunkTask>> PlanAsync(CancellationToken ct)
    {
        var plan = new List<ChunkTask>();
        for (var i = 0; i < tables.Count; i++)
            foreach (var range in await source.PlanChunksAsync(tables[i].Source, RowsPerChunk, ct))
                plan.Add(new ChunkTask(i, range));
        return plan;
    }

    /// <summary>Copies every chunk of <paramref name="plan"/> not yet done; <paramref name="chunkDone"/> records each as it commits.</summary>
    public async Task RunAsync(IReadOnlyList<ChunkTask> plan, Func<int, long, Task> chunkDone, CancellationToken ct)
    {
        var pending = Enumerable.Range(0, plan.Count).Where(i => !plan[i].Done);
        // a target fed by several source tables (aggregation) must keep the other tables' rows in a chunk's key range
        var feeders = tables.GroupBy(t => t.Target).ToDictionary(g => g.Key, g => g.Count());
        var passThrough = destination as IPassThroughDestination;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct };
        await Parallel.ForEachAsync(pending, options, async (index, token) =>
        {
            var chunk = plan[index];
            var mapping = tables[chunk.Table];
            if (passThrough is not null && mapping.Filter is null && feeders[mapping.Target] == 1 &&
                await passThrough.TryCopyChunkAsync(source, mapping, chunk.Range, token) is { } copied)
            {
                await chunkDone(index, copied);
                return;
            }
            var rows = await destination.BulkLoadAsync(mapping, source.ReadChunkAsync(mapping.Source, chunk.Range, token, mapping.Filter), token);
            await chunkDone(index, rows);
        });
    }

    /// <summary>Rows per second over a stopwatch, for progress reports.</summary>
    public static double Rate(long rows, Stopwatch sw) => sw.Elapsed.TotalSeconds > 0 ? rows / sw.Elapsed.TotalSeconds : 0;
}
