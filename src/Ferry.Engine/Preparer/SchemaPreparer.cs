using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Objects;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Preparer;

/// <summary>Outcome of preparing one table: its mapping, the DDL run on the destination, or why it failed.</summary>
/// <param name="Deferred">Its foreign keys and CHECK constraints, for after the data is in.</param>
/// <param name="Skipped">An operator skipped it: Ferry did not create it.</param>
public sealed record PreparedTable(TableMapping Mapping, string? Ddl, string? Error, IReadOnlyList<DeferredConstraint>? Deferred = null, bool Skipped = false);

/// <summary>
/// The schema stage: finds the source tables (and views) the object rules select and, when asked,
/// creates them on the destination. Runs before any data moves, so later stages have a fixed table
/// list. A table that fails does not stop the others: every failure is reported, and an operator
/// retries it (with the generated or their own DDL), skips it or removes it.
/// </summary>
public sealed class SchemaPreparer(ISnapshotSource source, IDestination destination, ObjectSelector selector, SchemaDecisions? decisions = null)
{
    private readonly SchemaDecisions _decisions = decisions ?? SchemaDecisions.None;

    private static string Key(TableName t) => $"{t.Database}.{t.Table}";

    public async Task<IReadOnlyList<TableName>> ResolveAsync(CancellationToken ct)
    {
        var tables = new List<TableName>();
        foreach (var db in await source.ListDatabasesAsync(ct))
        {
            if (!selector.MayContainDatabase(db)) continue;
            foreach (var t in await source.ListTablesAsync(db, ct))
            {
                var name = new TableName(db, t);
                if (selector.Includes(name) && !_decisions.Removed.Contains(Key(name))) tables.Add(name);
            }
        }
        CheckTargetsAreDistinct(tables);
        // A filter or column list for a table the rules do not select is almost always a typing mistake:
        // ignoring it would move rows or columns the user meant to hold back.
        var unmatched = selector.UnmatchedTableKeys(tables).ToList();
        if (unmatched.Count > 0)
            throw new FerryException("objects.unknown-table",
                $"objects.filters/objects.columns name {string.Join(", ", unmatched)}, which the include/exclude rules do not select (keys are 'database.table' of the source)");
        return tables;
    }

    /// <summary>Views the rules select (matched by the same table patterns), without removed ones.</summary>
    public async Task<IReadOnlyList<TableName>> ResolveViewsAsync(CancellationToken ct)
    {
        var views = new List<TableName>();
        foreach (var db in await source.ListDatabasesAsync(ct))
        {
            if (!selector.MayContainDatabase(db)) continue;
            foreach (var v in await source.ListViewsAsync(db, ct))
            {
                var name = new TableName(db, v);
                if (selector.Includes(name) && !_decisions.Removed.Contains(Key(name))) views.Add(name);
            }
        }
        return views;
    }

    /// <summary>Reads each table's definition and, if <paramref name="createTables"/>, creates it on the destination.</summary>
    /// <param name="deferSecondaryIndexes">A full copy follows: create non-unique indexes after it, which loads faster.</param>
    public async Task<List<PreparedTable>> PrepareAsync(IReadOnlyList<TableName> tables, bool createTables,
        Func<PreparedTable, Task> onTable, CancellationToken ct, bool deferSecondaryIndexes = false)
    {
        var prepared = new List<PreparedTable>();
        foreach (var name in tables)
        {
            ct.ThrowIfCancellationRequested();
            var schema = await source.ReadTableAsync(name, ct)
                ?? throw new FerryException("schema.table-missing", $"source table {name} disappeared while preparing the schema");
            var mapping = selector.Map(schema);
            PreparedTable result;
            if (!createTables) result = new PreparedTable(mapping, null, null);
            else if (_decisions.Skipped.Contains(Key(name))) result = new PreparedTable(mapping, null, null, Skipped: true);
            else
            {
                var deferred = destination.DeferredConstraints(mapping, selector.Target);
                try
                {
                    string ddl;
                    if (_decisions.Ddl.TryGetValue(Key(name), out var given))
                    {
                        await destination.RunDdlAsync(mapping.Target.Database, given, ct);
                        ddl = given;
                    }
                    else ddl = await destination.CreateTableAsync(mapping, ct, deferSecondaryIndexes);
                    result = new PreparedTable(mapping, ddl, null, deferred);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    result = new PreparedTable(mapping, null, e.Message, deferred);
                }
            }
            prepared.Add(result);
            await onTable(result);
        }
        return prepared;
    }

    /// <summary>
    /// Creates the views after the tables. A view may read another view, so views that fail are tried
    /// again while each round creates at least one more; what still fails is reported.
    /// </summary>
    public async Task<List<PreparedView>> PrepareViewsAsync(IReadOnlyList<TableName> views, IReadOnlyCollection<TableName> tables, CancellationToken ct)
    {
        var known = tables.Concat(views).ToHashSet();
        TableName? Rename(TableName t) => known.Contains(t) ? selector.Target(t) : null;
        var done = new List<PreparedView>();
        var pending = new List<(TableName Name, ViewSchema? View)>();
        foreach (var name in views)
        {
            if (_decisions.Skipped.Contains(Key(name))) done.Add(new PreparedView(name, selector.Target(name), null, null, Skipped: true));
            else pending.Add((name, await source.ReadViewAsync(name, ct)));
        }
        var failed = new Dictionary<TableName, string>();
        while (pending.Count > 0)
        {
            var next = new List<(TableName, ViewSchema?)>();
            foreach (var (name, view) in pending)
            {
                ct.ThrowIfCancellationRequested();
                var target = selector.Target(name);
                try
                {
                    string ddl;
                    if (_decisions.Ddl.TryGetValue(Key(name), out var given))
                    {
                        await destination.RunDdlAsync(target.Database, given, ct);
                        ddl = given;
                    }
                    else
                        ddl = await destination.CreateViewAsync(
                            view ?? throw new FerryException("schema.view-missing", $"source view {name} disappeared while preparing the schema"),
                            target, Rename, ct);
                    done.Add(new PreparedView(name, target, ddl, null));
                    failed.Remove(name);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed[name] = e.Message;
                    next.Add((name, view));
                }
            }
            if (next.Count == pending.Count) break;
            pending = next;
        }
        done.AddRange(failed.Select(f => new PreparedView(f.Key, selector.Target(f.Key), null, f.Value)));
        return done;
    }

    private void CheckTargetsAreDistinct(List<TableName> tables)
    {
        var clash = tables.GroupBy(t => selector.Target(t).ToString(), StringComparer.OrdinalIgnoreCase)
            .FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new FerryException("objects.rename-collision",
                $"tables {string.Join(", ", clash)} would all be written to {clash.Key}; aggregation into one table is not supported yet");
    }
}
