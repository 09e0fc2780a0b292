using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Objects;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Preparer;

/// <summary>Outcome of preparing one table: its mapping, the DDL run on the destination, or why it failed.</summary>
/// <param name="Deferred">Its foreign keys and CHECK constraints, for after the data is in.</param>
/// <param name="Skipped">An operator skipped it: Ferry did not create it.</param>
/// <param name="Warnings">Objects of the table the destination left out or changed (<see cref="IDestination.SchemaWarnings"/>).</param>
public sealed record PreparedTable(TableMapping Mapping, string? Ddl, string? Error, IReadOnlyList<DeferredConstraint>? Deferred = null, bool Skipped = false,
    IReadOnlyList<string>? Warnings = null);

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
        // Destination tables already taken by an earlier source table: later ones are aggregated into them.
        var filled = new Dictionary<TableName, TableMapping>();
        foreach (var name in tables)
        {
            ct.ThrowIfCancellationRequested();
            var schema = await source.ReadTableAsync(name, ct)
                ?? throw new FerryException("schema.table-missing", $"source table {name} disappeared while preparing the schema");
            var mapping = selector.Map(schema);
            PreparedTable result;
            var aggregated = filled.TryGetValue(mapping.Target, out var first);
            if (!aggregated) filled[mapping.Target] = mapping;
            if (aggregated && AggregationProblem(first!, mapping) is { } problem) result = new PreparedTable(mapping, null, problem);
            else if (!createTables) result = new PreparedTable(mapping, null, null);
            else if (_decisions.Skipped.Contains(Key(name))) result = new PreparedTable(mapping, null, null, Skipped: true);
            else
            {
                // An aggregated table shares the first one's table and constraints.
                IReadOnlyList<DeferredConstraint> deferred = aggregated ? [] : destination.DeferredConstraints(mapping, selector.Target);
                try
                {
                    string ddl;
                    if (_decisions.Ddl.TryGetValue(Key(name), out var given))
                    {
                        await destination.RunDdlAsync(mapping.Target.Database, given, ct);
                        ddl = given;
                    }
                    else ddl = await destination.CreateTableAsync(mapping, ct, deferSecondaryIndexes);
                    result = new PreparedTable(mapping, ddl, null, deferred, Warnings: given is null && !aggregated ? destination.SchemaWarnings(mapping) : null);
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

    /// <summary>
    /// Why a table cannot be aggregated into a destination table that <paramref name="first"/> already fills:
    /// rows of both must share one key and one shape. Null when it can. Keys must not collide between
    /// them; verification compares the destination with all of them together and reports any that do.
    /// </summary>
    private static string? AggregationProblem(TableMapping first, TableMapping next)
    {
        if (first.Source.Key.Count == 0 || next.Source.Key.Count == 0)
            return $"tables without a key cannot be aggregated into {next.Target}: their rows could not be told apart";
        static string Shape(TableSchema t) => string.Join(", ", t.Columns.Select(c => $"{c.Name} {c.ColumnType}{(c.IsGenerated ? " generated" : "")}"));
        if (!first.Source.Key.SequenceEqual(next.Source.Key, StringComparer.OrdinalIgnoreCase))
            return $"it is aggregated into {next.Target} with {first.Source.Name}, whose key ({string.Join(", ", first.Source.Key)}) differs from its own ({string.Join(", ", next.Source.Key)})";
        if (!string.Equals(Shape(first.Source), Shape(next.Source), StringComparison.OrdinalIgnoreCase))
            return $"it is aggregated into {next.Target} with {first.Source.Name}, whose columns differ: ({Shape(first.Source)}) vs ({Shape(next.Source)})";
        return null;
    }
}
