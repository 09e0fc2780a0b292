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
/// <param name="schemas">Reads the destination's tables: after a DDL statement ran there, its result is the
/// definition the following row images have (the source itself may already be further on).</param>
/// <param name="selector">Decides whether a table created while streaming is migrated; null: none is.</param>
/// <param name="sourceRows">The source as a snapshot source: judges changed rows of tables with a row filter.</param>
public sealed class ChangeApplier(
    IChangeSource source,
    IDestination destination,
    IReadOnlyList<TableMapping> tables,
    string stream,
    LogPosition startPosition,
    (LogPosition From, LogPosition To)? skip = null,
    ISnapshotSource? schemas = null,
    Objects.ObjectSelector? selector = null,
    ISnapshotSource? sourceRows = null)
{
    /// <summary>
    /// The destination is another engine: a source statement is in a dialect it does not speak, and its tables'
    /// definitions cannot stand for the source's. Only emptying and dropping followed tables are applied (the
    /// destination writes those itself); any other statement on them stops the writer.
    /// </summary>
    public bool CrossEngine { get; init; }

    // A batch takes whatever is already waiting, up to these bounds: a backlog is caught up in large
    // batches (written as their net effect per key), a trickle is committed as soon as it arrives.
    private const int MaxRowsPerBatch = 50_000;
    private const int MaxTransactionsPerBatch = 20_000;
    private const long MaxBytesPerBatch = 64L << 20;
    private static readonly TimeSpan MaxGatherTime = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IdleCheckpointEvery = TimeSpan.FromSeconds(5);

    private readonly Dictionary<TableName, TableMapping> _map = tables.ToDictionary(t => t.Source.Name);
    private readonly HashSet<string> _databases = tables.Select(t => t.Source.Name.Database).ToHashSet(StringComparer.OrdinalIgnoreCase);
    // The reader runs ahead of the applier: it keeps rows of every table that is or may become
    // migrated, and the applier drops those of tables it does not (yet) map.
    private readonly HashSet<TableName> _initial = tables.Select(t => t.Source.Name).ToHashSet();
    // Tables whose destination this writer created or altered, even if the source no longer has them.
    private readonly Dictionary<TableName, TableName> _created = [];
    private readonly Dictionary<TableName, TableDeparture> _departed = [];
    private long _inserted, _updated, _deleted, _ddl;
    // Tables whose latest definition a column change recorded at the start position (see IChangeSource.Follow).
    private readonly HashSet<TableName> _changedAtStart = [];

    public async Task RunAsync(Func<SyncProgress, Task> report, CancellationToken ct)
    {
        var from = await destination.ReadCheckpointAsync(stream, ct) ?? startPosition;
        if (skip is { } s && s.From == from)
        {
            // An operator skipped the statement that stopped the writer here.
            await destination.WriteCheckpointAsync(stream, s.To, ct);
            from = s.To;
        }
        await LoadSchemaHistoryAsync(from, ct);
        source.Follow(_map.ToDictionary(m => m.Key, m => m.Value.Logged), _changedAtStart);
        var channel = Channel.CreateBounded<ChangeEvent>(new BoundedChannelOptions(20_000) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in source.ReadAsync(from, t => _initial.Contains(t) || selector?.Includes(t) == true, stop.Token))
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
            long bytes = 0;
            var gathering = Stopwatch.StartNew();
            while (rows < MaxRowsPerBatch && batch.Count < MaxTransactionsPerBatch && bytes < MaxBytesPerBatch &&
                   (batch.Count == 0 || gathering.Elapsed < MaxGatherTime) && events.TryRead(out var e))
            {
                switch (e)
                {
                    case TransactionEvent tx:
                        CheckImages(tx);
                        batch.Add(tx);
                        rows += tx.Rows.Count;
                        bytes += Size(tx);
                        break;
                    case DdlEvent ddl when AffectsScope(ddl):
                        // Everything before the statement is committed, and the checkpoint sits right before it.
                        await FlushAsync();
                        if (written != checkpoint)
                        {
                            await destination.WriteCheckpointAsync(stream, checkpoint, ct);
                            written = Committed(checkpoint);
                        }
                        if (await ApplyDdlAsync(ddl, checkpoint, ct)) written = Committed(ddl.Position);
                        break;
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
                written = Committed(checkpoint);
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
            var shaped = await ShapeAsync(batch, ct);
            await destination.ApplyAsync(shaped, t => _map.GetValueOrDefault(t), stream, checkpoint, ct);
            foreach (var tx in shaped)
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
            written = Committed(checkpoint);
            lastWrite.Restart();
        }
    }

    /// <summary>
    /// Applies the object rules' row filters and column subsets to a batch. A change is written as the
    /// state it leaves its row in: a row whose new image passes the filter is upserted, a row that leaves
    /// the filter is deleted by key, and a change whose images both fail is dropped (the destination cannot
    /// hold that row: the copy and every earlier change judged it the same way). Replaying from before the
    /// copy therefore still converges. Images are then cut down to the migrated columns.
    /// </summary>
    private async Task<IReadOnlyList<TransactionEvent>> ShapeAsync(List<TransactionEvent> batch, CancellationToken ct)
    {
        if (!_map.Values.Any(m => m.Filter is not null || m.Full is not null)) return batch;
        var passes = new Dictionary<object?[], bool>(ReferenceEqualityComparer.Instance);
        foreach (var group in batch.SelectMany(t => t.Rows)
                     .Where(r => _map.TryGetValue(r.Table, out var m) && m.Filter is not null).GroupBy(r => r.Table))
        {
            var m = _map[group.Key];
            if (sourceRows is null)
                throw new FerryException("writer.filter-unavailable", $"{group.Key} has a row filter but the writer has no source to judge rows with");
            var images = group.SelectMany(r => new[] { r.Before, r.After }).OfType<object?[]>().ToList();
            var verdicts = await sourceRows.MatchAsync(m.Logged, m.Filter!, images, ct);
            for (var i = 0; i < images.Count; i++) passes[images[i]] = verdicts[i];
        }

        var shaped = new List<TransactionEvent>(batch.Count);
        foreach (var tx in batch)
        {
            var rows = new List<RowChange>(tx.Rows.Count);
            foreach (var r in tx.Rows)
            {
                if (!_map.TryGetValue(r.Table, out var m) || (m.Filter is null && m.Full is null))
                {
                    rows.Add(r);
                    continue;
                }
                // A before image that is not the whole old row (PostgreSQL logs only the key without REPLICA
                // IDENTITY FULL, or nothing) cannot say the row was outside the filter: count it as inside, so
                // the change deletes by key rather than being dropped (deleting a row that is not there is harmless).
                var beforeIn = r.Before is { } b && (m.Filter is null || !source.FullBeforeImages || passes[b]);
                var afterIn = r.After is { } a && (m.Filter is null || passes[a]);
                if (r is { Kind: ChangeKind.Update, Before: null } && !source.FullBeforeImages) beforeIn = true;
                var change = (r.Kind, beforeIn, afterIn) switch
                {
                    (ChangeKind.Insert, _, true) => r with { After = m.Project(r.After!) },
                    (ChangeKind.Delete, true, _) => r with { Before = m.Project(r.Before!) },
                    (ChangeKind.Update, true, false) when r.Before is null => new RowChange(r.Table, ChangeKind.Delete, m.Project(r.After!), null),
                    // Entering the filter: without a key the destination has no row to update, so it is an insert.
                    (ChangeKind.Update, false, true) when m.Source.Key.Count == 0 => new RowChange(r.Table, ChangeKind.Insert, null, m.Project(r.After!)),
                    (ChangeKind.Update, _, true) => r with { Before = r.Before is null ? null : m.Project(r.Before), After = m.Project(r.After!) },
                    (ChangeKind.Update, true, false) => new RowChange(r.Table, ChangeKind.Delete, m.Project(r.Before!), null),
                    _ => null,
                };
                if (change is not null) rows.Add(change);
            }
            shaped.Add(tx with { Rows = rows });
        }
        return shaped;
    }

    /// <summary>A checkpoint is durable in the destination: the source may release its log before it.</summary>
    private LogPosition Committed(LogPosition checkpoint)
    {
        source.Acknowledge(checkpoint);
        return checkpoint;
    }

    /// <summary>The tables the writer currently follows: source name and destination name.</summary>
    public IReadOnlyList<TableMapping> Tables => _map.Values.ToList();

    /// <summary>Tables the writer followed and no longer does under that name (dropped, renamed, out of the project).</summary>
    public IReadOnlyList<TableDeparture> Departures => _departed.Values.ToList();

    /// <summary>
    /// Takes each table's definition in force at <paramref name="from"/>: the latest schema history entry
    /// (every entry was recorded with the checkpoint that passed it, so none lies beyond the checkpoint),
    /// else the source's current definition, which is then recorded as the table's first entry.
    /// </summary>
    private async Task LoadSchemaHistoryAsync(LogPosition from, CancellationToken ct)
    {
        var latest = new Dictionary<TableName, SchemaHistoryEntry>();
        foreach (var e in await destination.ReadSchemaHistoryAsync(stream, ct)) latest[e.Table] = e;
        foreach (var (name, e) in latest.ToList())
        {
            if (e.Position == from && e.Note?.StartsWith(ColumnsChangedNote, StringComparison.Ordinal) == true) _changedAtStart.Add(name);
            if (e.Schema is null || e.Target is null)
            {
                // A routed table the source has again was brought back in after it left (an integration
                // created and copied it): it is followed from here with the source's definition. Had it
                // come back through the log, a later entry would say so.
                if (_map.TryGetValue(name, out var routed) && routed.Source.Columns.Count > 0)
                {
                    latest.Remove(name);
                    continue;
                }
                if (_map.Remove(name) || _initial.Contains(name))
                {
                    // The entry that took it in under its new name says where it went.
                    var renamed = latest.Values.FirstOrDefault(x => x.Schema is not null && x.Note == RenamedFrom(name));
                    _departed[name] = new TableDeparture(name, e.Note ?? "no longer followed", renamed?.Table,
                        Left: e.Note?.EndsWith(NoLongerSynchronized, StringComparison.Ordinal) == true);
                }
                _created.Remove(name);
                continue;
            }
            // A table that joined while streaming is followed as long as the object rules still select it.
            var known = _map.TryGetValue(name, out var mapping);
            if (!known && selector?.Includes(name) != true) continue;
            _map[name] = mapping is null ? new TableMapping(e.Schema, e.Target, selector?.Filter(name)) : mapping with { Source = e.Schema, Target = e.Target };
            _created[name] = e.Target;
            _databases.Add(name.Database);
        }
        var missing = _map.Values.FirstOrDefault(m => m.Source.Columns.Count == 0);
        if (missing is not null)
            throw new FerryException("source.table-missing", $"source table {missing.Source.Name} no longer exists and the schema history does not know it");
        var first = _map.Where(m => !latest.ContainsKey(m.Key))
            .Select(m => new SchemaHistoryEntry(m.Key, from, m.Value.Source, m.Value.Target, "taken from the source")).ToList();
        // Without a position (a stream that starts wherever the log is now) there is nothing to pin them to.
        if (first.Count > 0 && !from.IsNone) await destination.RecordSchemasAsync(stream, from, first, ct);
    }

    private const string NoLongerSynchronized = "no longer synchronized";

    private const string ColumnsChangedNote = "columns changed";

    private const string CrossEngineReason =
        "the statement is in the source engine's SQL and the destination is another engine: make the matching change on the destination by hand " +
        "(with the destination's types), then skip the statement; only TRUNCATE and DROP TABLE are applied across engines";

    private static string RenamedFrom(TableName table) => $"renamed from {table}";

    private TableName? FollowedTarget(TableName table) =>
        _map.TryGetValue(table, out var mapped) ? mapped.Target : _created.TryGetValue(table, out var created) ? created : null;

    /// <summary>
    /// Applies a DDL statement on migrated tables and follows it (new, changed, renamed and dropped tables);
    /// throws <see cref="DdlBlockedException"/> for one it does not apply by itself. Returns whether
    /// it wrote the checkpoint past the statement (always together with the definitions it leaves).
    /// </summary>
    private async Task<bool> ApplyDdlAsync(DdlEvent ddl, LogPosition before, CancellationToken ct)
    {
        var plan = ddl.Plan;
        if (plan is null || plan.Kind == DdlKind.Unsupported || schemas is null)
            throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position, plan?.Reason);
        if (plan.Kind == DdlKind.Ignore) return false;
        if (plan.Kind == DdlKind.RenameTable) return await RenameAsync(ddl, before, ct);
        if (plan.Columns is { } columns) return await FollowColumnsAsync(ddl, columns, before, ct);

        var targets = new Dictionary<TableName, TableName>();
        var refs = new List<DdlTableRef>();
        foreach (var r in plan.Tables)
        {
            if (FollowedTarget(r.Table) is { } followed) targets[r.Table] = followed;
            else if (plan.Kind == DdlKind.CreateTable && !r.Referenced && selector?.Includes(r.Table) == true) targets[r.Table] = selector.Target(r.Table);
            else continue;
            refs.Add(r);
        }
        // Statements on tables the project does not migrate change nothing here.
        if (!refs.Any(r => !r.Referenced)) return false;
        if (CrossEngine && plan.Kind is not (DdlKind.DropTable or DdlKind.TruncateTable))
            throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position, CrossEngineReason);
        // Several source tables write into one destination table: a change to one of them (or dropping,
        // emptying it) would change or empty the others' rows too.
        if (refs.Where(r => !r.Referenced).FirstOrDefault(r => _map.Values.Count(m => m.Target == targets[r.Table]) > 1) is { } shared)
            throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position,
                $"{shared.Table} is aggregated with other tables into {targets[shared.Table]}: change the destination table by hand if all of them changed, then skip the statement");
        // The statement is written for the whole source table; a destination holding a column subset
        // would take columns it must not have, or lose ones it has. An operator decides.
        if (plan.Kind is not (DdlKind.DropTable or DdlKind.TruncateTable) &&
            refs.Where(r => !r.Referenced).Any(r => _map.GetValueOrDefault(r.Table)?.Full is not null || selector?.Columns(r.Table) is not null))
            throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position,
                "the table is migrated with a column subset (objects.columns): apply the matching change on the destination by hand, then skip the statement");
        if (refs.Count != plan.Tables.Count && plan.Kind != DdlKind.DropTable)
            throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position,
                plan.Tables.FirstOrDefault(r => r.Referenced && !targets.ContainsKey(r.Table)) is { } model
                    ? $"its model {model.Table} is not migrated, so the destination has no table to copy the definition from"
                    : "it names tables that are not migrated");

        await destination.ApplyDdlAsync(ddl with { Plan = plan with { Tables = refs } }, targets, stream, ddl.Position, ct);
        Interlocked.Increment(ref _ddl);
        var entries = new List<SchemaHistoryEntry>();
        foreach (var r in refs.Where(r => !r.Referenced))
        {
            if (plan.Kind == DdlKind.DropTable)
            {
                if (_map.Remove(r.Table)) _departed[r.Table] = new TableDeparture(r.Table, "dropped on the source");
                _created.Remove(r.Table);
                entries.Add(new SchemaHistoryEntry(r.Table, ddl.Position, null, null, "dropped"));
                continue;
            }
            // emptied across engines: the definition is the source's as before (the destination's is in another engine's types)
            if (CrossEngine && _map.TryGetValue(r.Table, out var kept))
            {
                entries.Add(new SchemaHistoryEntry(r.Table, ddl.Position, kept.Source, kept.Target, "emptied by a statement"));
                continue;
            }
            entries.Add(await FollowAsync(r.Table, targets[r.Table], ddl.Position, _map.GetValueOrDefault(r.Table), "changed by a statement", ct));
        }
        await destination.RecordSchemasAsync(stream, ddl.Position, entries, ct);
        return true;
    }

    /// <summary>
    /// A column change the source's log described (no statement to run): the destination alters its table through
    /// its own type mapping, and rows after it follow the source's new definition, recorded with the checkpoint.
    /// Tables with a column subset or aggregated with others stop the writer, as statements on them do; so does a
    /// change the source refused (<see cref="DdlPlan.Reason"/>). Skipping it (an operator aligned the destination by
    /// hand) records the new definition without touching the destination.
    /// </summary>
    private async Task<bool> FollowColumnsAsync(DdlEvent ddl, ColumnChange change, LogPosition before, CancellationToken ct)
    {
        var table = change.After.Name;
        if (!_map.TryGetValue(table, out var mapping)) return false;
        var skipped = skip is { } s && s.From == before && s.To == ddl.Position;
        if (!skipped)
        {
            if (ddl.Plan!.Reason is { } refused)
                throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position, refused);
            if (_map.Values.Count(m => m.Target == mapping.Target) > 1)
                throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position,
                    $"{table} is aggregated with other tables into {mapping.Target}: change the destination table by hand if all of them changed, then skip the change");
            if (mapping.Full is not null || selector?.Columns(table) is not null)
                throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position,
                    "the table is migrated with a column subset (objects.columns): apply the matching change on the destination by hand, then skip the change");
            await destination.ApplyDdlAsync(ddl, new Dictionary<TableName, TableName> { [table] = mapping.Target }, stream, ddl.Position, ct);
            Interlocked.Increment(ref _ddl);
        }
        _map[table] = mapping with { Source = change.After };
        var note = $"{ColumnsChangedNote}{(skipped ? " (skipped: destination aligned by hand)" : "")}: {change.Describe()}";
        await destination.RecordSchemasAsync(stream, ddl.Position, [new SchemaHistoryEntry(table, ddl.Position, change.After, mapping.Target, note)], ct);
        return true;
    }

    /// <summary>
    /// Rows after the statement follow the new definition: the destination table as the statement left it
    /// (same dialect), named as the source names it.
    /// </summary>
    private async Task<SchemaHistoryEntry> FollowAsync(TableName table, TableName target, LogPosition position, TableMapping? previous,
        string note, CancellationToken ct)
    {
        _created[table] = target;
        _departed.Remove(table);
        var schema = await schemas!.ReadTableAsync(target, ct);
        if (schema is null)
        {
            _map.Remove(table);
            return new SchemaHistoryEntry(table, position, null, null, $"{target} is missing on the destination");
        }
        var source = schema with { Name = table };
        _map[table] = previous is null ? new TableMapping(source, target, selector?.Filter(table)) : previous with { Source = source, Target = target };
        _databases.Add(table.Database);
        return new SchemaHistoryEntry(table, position, source, target, note);
    }

    /// <summary>
    /// RENAME TABLE as a whole: each followed table ends under a final name (a swap through a temporary
    /// name moves two tables, not three). A final name the object rules select is followed under the
    /// rules' target, renamed on the destination; one they do not select takes the table out of the project
    /// (no longer synchronized; inside the migrated databases its destination table is renamed alike, so
    /// that a cut-over such as <c>RENAME a TO a_old, a_new TO a</c> finds the old name free). A table that
    /// enters the project by a rename needs a full copy, which the writer cannot make: it stops.
    /// </summary>
    private async Task<bool> RenameAsync(DdlEvent ddl, LogPosition before, CancellationToken ct)
    {
        var pairs = ddl.Plan!.Tables;
        var origin = new Dictionary<TableName, TableName>(); // name after the statement → name before it
        for (var p = 0; p + 1 < pairs.Count; p += 2)
        {
            var from = pairs[p].Table;
            origin[pairs[p + 1].Table] = origin.Remove(from, out var o) ? o : from;
        }
        var finals = origin.Where(x => x.Key != x.Value).ToList();
        // Renaming one of several tables aggregated into one destination table would move the others' rows too.
        if (finals.Select(f => f.Value).FirstOrDefault(t => _map.TryGetValue(t, out var m) && _map.Values.Count(x => x.Target == m.Target) > 1) is { } shared)
            throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position,
                $"{shared} is aggregated with other tables into {_map[shared].Target}: rename the destination table by hand if that is meant, then skip the statement");
        var moves = new List<(TableName From, TableName To)>();
        var follow = new List<(TableName Original, TableName Final, TableName Target)>();
        var leave = new List<(TableName Original, TableName Final)>();
        foreach (var (final, original) in finals)
        {
            var selected = selector?.Includes(final) == true;
            if (FollowedTarget(original) is { } current)
            {
                if (selected)
                {
                    var target = selector!.Target(final);
                    moves.Add((current, target));
                    follow.Add((original, final, target));
                }
                else
                {
                    if (_databases.Contains(final.Database) && selector is not null) moves.Add((current, selector.Target(final)));
                    leave.Add((original, final));
                }
            }
            else if (selected)
            {
                // Brought in by an integration (created and copied) since the writer stopped here: the
                // destination has it, and the rows after the statement converge over the copy.
                if (FollowedTarget(final) is not null && !origin.ContainsValue(final)) continue;
                throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position,
                    $"it renames {original}, which the project does not migrate, to {final}, which the object rules select; " +
                    "the table needs a full copy: change the project's objects while it is Failed (PATCH) to have it created and copied, or skip this statement");
            }
        }
        if (follow.Count == 0 && leave.Count == 0) return false;
        if (CrossEngine) throw new DdlBlockedException(ddl.Database, ddl.Statement, before, ddl.Position, CrossEngineReason);

        await destination.RenameTablesAsync(moves, stream, ddl.Position, ct);
        Interlocked.Increment(ref _ddl);
        var previous = follow.ToDictionary(f => f.Original, f => _map.GetValueOrDefault(f.Original));
        foreach (var (_, original) in finals)
        {
            _map.Remove(original);
            _created.Remove(original);
        }
        var entries = new List<SchemaHistoryEntry>();
        foreach (var (original, final, target) in follow)
            entries.Add(await FollowAsync(final, target, ddl.Position, previous[original], RenamedFrom(original), ct));
        foreach (var (original, final, _) in follow.Where(f => !_map.ContainsKey(f.Original)))
        {
            _departed[original] = new TableDeparture(original, $"renamed to {final}", RenamedTo: final);
            entries.Add(new SchemaHistoryEntry(original, ddl.Position, null, null, $"renamed to {final}"));
        }
        foreach (var (original, final) in leave.Where(l => !_map.ContainsKey(l.Original)))
        {
            var reason = $"renamed to {final}, which the object rules do not select: {NoLongerSynchronized}";
            _departed[original] = new TableDeparture(original, reason, Left: true);
            entries.Add(new SchemaHistoryEntry(original, ddl.Position, null, null, reason));
        }
        await destination.RecordSchemasAsync(stream, ddl.Position, entries, ct);
        return true;
    }

    /// <summary>About how much memory a transaction's row images hold.</summary>
    private static long Size(TransactionEvent tx)
    {
        long size = 0;
        foreach (var row in tx.Rows)
        {
            size += 64;
            foreach (var image in (ReadOnlySpan<object?[]?>)[row.Before, row.After])
                if (image is not null)
                    foreach (var v in image)
                        size += v switch { string s => 24 + 2L * s.Length, byte[] b => 24 + b.Length, _ => 16 };
        }
        return size;
    }

    /// <summary>A row image must match the definition it is written with; otherwise the definition is out of date.</summary>
    private void CheckImages(TransactionEvent tx)
    {
        foreach (var row in tx.Rows)
        {
            if (!_map.TryGetValue(row.Table, out var m)) continue;
            var width = (row.After ?? row.Before)?.Length ?? 0;
            if (width != m.Logged.Columns.Count)
                throw new FerryException("schema.mismatch",
                    $"a change to {row.Table} at {tx.Position} has {width} columns but its definition has {m.Logged.Columns.Count}; " +
                    "the table changed in a way the writer did not follow");
        }
    }

    private bool AffectsScope(DdlEvent ddl) =>
        _databases.Contains(ddl.Database) || _databases.Any(db => ddl.Statement.Contains(db, StringComparison.OrdinalIgnoreCase));
}
