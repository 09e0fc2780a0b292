using System.Diagnostics;
using Ferry.Engine.Connections;

namespace Ferry.Engine.Loader;

/// <summary>
/// The full copy: tables split into key-range chunks, several chunks in flight at once, each
/// streamed from the source into the destination's bulk loader. Chunks are idempotent (the
/// destination replaces rows by key), so a restart redoes only the chunks that were in flight.
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
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct };
        await Parallel.ForEachAsync(pending, options, async (index, token) =>
        {
            var chunk = plan[index];
            var mapping = tables[chunk.Table];
            var rows = await destination.BulkLoadAsync(mapping, source.ReadChunkAsync(mapping.Source, chunk.Range, token, mapping.Filter), token);
            await chunkDone(index, rows);
        });
    }

    /// <summary>Rows per second over a stopwatch, for progress reports.</summary>
    public static double Rate(long rows, Stopwatch sw) => sw.Elapsed.TotalSeconds > 0 ? rows / sw.Elapsed.TotalSeconds : 0;
}
