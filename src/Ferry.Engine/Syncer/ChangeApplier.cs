using System.Diagnostics;
using System.Threading.Channels;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Syncer;

/// <summary>
/// The incremental stage: reads the source log from the destination's checkpoint (or the start
/// position recorded before the full copy) and applies transactions in log order. Consecutive
/// transactions that are already waiting are grouped into one destination transaction, which
/// also records the checkpoint, so a crash can neither lose nor double a change.
/// </summary>
public sealed class ChangeApplier(
    IChangeSource source,
    IDestination destination,
    IReadOnlyList<TableMapping> tables,
    string stream,
    LogPosition startPosition,
    (LogPosition From, LogPosition To)? skip = null)
{
    private const int MaxRowsPerBatch = 5_000;
    private const int MaxTransactionsPerBatch = 1_000;
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IdleCheckpointEvery = TimeSpan.FromSeconds(5);

    private readonly Dictionary<TableName, TableMapping> _map = tables.ToDictionary(t => t.Source.Name);
    private readonly HashSet<string> _databases = tables.Select(t => t.Source.Name.Database).ToHashSet(StringComparer.OrdinalIgnoreCase);
    private long _inserted, _updated, _deleted, _ddl;

    public async Task RunAsync(Func<SyncProgress, Task> report, CancellationToken ct)
    {
        var from = await destination.ReadCheckpointAsync(stream, ct) ?? startPosition;
        if (skip is { } s && s.From == from)
        {
            // An operator skipped the statement that stopped the writer here.
            await destination.WriteCheckpointAsync(stream, s.To, ct);
            from = s.To;
        }
        var channel = Channel.CreateBounded<ChangeEvent>(new BoundedChannelOptions(20_000) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in source.ReadAsync(from, t => _map.ContainsKey(t), stop.Token))
                    await channel.Writer.WriteAsync(e, stop.Token);
                channel.Writer.TryComplete();
            }
            catch (Exception e) { channel.Writer.TryComplete(e); }
        }, stop.Token);

        try { await ApplyLoopAsync(channel.Reader, from, report, ct); }
        finally
        {
            await stop.CancelAsync();
            try { await reader; } catch (OperationCanceledException) { }
        }
    }

    private async Task ApplyLoopAsync(ChannelReader<ChangeEvent> events, LogPosition from, Func<SyncProgress, Task> report, CancellationToken ct)
    {
        var batch = new List<TransactionEvent>();
        var checkpoint = from;
        var checkpointTime = DateTimeOffset.UtcNow;
        var written = from;
        var lastWrite = Stopwatch.StartNew();
        var lastReport = Stopwatch.StartNew();
        var rate = Stopwatch.StartNew();
        long rowsSinceRate = 0;
        double rps = 0, latency = 0;

        while (await events.WaitToReadAsync(ct))
        {
            var rows = 0;
            while (rows < MaxRowsPerBatch && batch.Count < MaxTransactionsPerBatch && events.TryRead(out var e))
            {
                switch (e)
                {
                    case TransactionEvent tx:
                        batch.Add(tx);
                        rows += tx.Rows.Count;
                        break;
                    case DdlEvent ddl when AffectsScope(ddl):
                        // Everything before the statement is committed, and the checkpoint sits right before it.
                        await FlushAsync();
                        if (written != checkpoint)
                        {
                            await destination.WriteCheckpointAsync(stream, checkpoint, ct);
                            written = checkpoint;
                        }
                        Interlocked.Increment(ref _ddl);
                        throw new DdlBlockedException(ddl.Database, ddl.Statement, checkpoint, ddl.Position);
                    case HeartbeatEvent:
                    case DdlEvent:
                        break;
                }
                checkpoint = e.Position;
                checkpointTime = e.Timestamp;
                latency = e is HeartbeatEvent ? 0 : Math.Max(0, (DateTimeOffset.UtcNow - e.Timestamp).TotalSeconds);
            }
            if (batch.Count > 0) await FlushAsync();
            else if (checkpoint != written && lastWrite.Elapsed >= IdleCheckpointEvery)
            {
                await destination.WriteCheckpointAsync(stream, checkpoint, ct);
                written = checkpoint;
                lastWrite.Restart();
            }
            if (lastReport.Elapsed >= ReportEvery)
            {
                rps = rowsSinceRate / rate.Elapsed.TotalSeconds;
                rowsSinceRate = 0;
                rate.Restart();
                await report(new SyncProgress(checkpoint, checkpointTime, latency, _inserted, _updated, _deleted, _ddl, rps));
                lastReport.Restart();
            }
        }

        async Task FlushAsync()
        {
            if (batch.Count == 0) return;
            await destination.ApplyAsync(batch, t => _map.GetValueOrDefault(t), stream, checkpoint, ct);
            foreach (var tx in batch)
                foreach (var r in tx.Rows)
                {
                    rowsSinceRate++;
                    switch (r.Kind)
                    {
                        case ChangeKind.Insert: _inserted++; break;
                        case ChangeKind.Update: _updated++; break;
                        case ChangeKind.Delete: _deleted++; break;
                    }
                }
            batch.Clear();
            written = checkpoint;
            lastWrite.Restart();
        }
    }

    private bool AffectsScope(DdlEvent ddl) =>
        _databases.Contains(ddl.Database) || _databases.Any(db => ddl.Statement.Contains(db, StringComparison.OrdinalIgnoreCase));
}
