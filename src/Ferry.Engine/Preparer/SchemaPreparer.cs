using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Objects;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Preparer;

/// <summary>Outcome of preparing one table: its mapping, the DDL run on the destination, or why it failed.</summary>
public sealed record PreparedTable(TableMapping Mapping, string? Ddl, string? Error);

/// <summary>
/// The schema stage: finds the source tables the object rules select and, when asked, creates
/// them on the destination. Runs before any data moves, so later stages have a fixed table list.
/// </summary>
public sealed class SchemaPreparer(ISnapshotSource source, IDestination destination, ObjectSelector selector)
{
    public async Task<IReadOnlyList<TableName>> ResolveAsync(CancellationToken ct)
    {
        var tables = new List<TableName>();
        foreach (var db in await source.ListDatabasesAsync(ct))
        {
            if (!selector.MayContainDatabase(db)) continue;
            foreach (var t in await source.ListTablesAsync(db, ct))
            {
                var name = new TableName(db, t);
                if (selector.Includes(name)) tables.Add(name);
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
            else
            {
                try { result = new PreparedTable(mapping, await destination.CreateTableAsync(mapping, ct, deferSecondaryIndexes), null); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    result = new PreparedTable(mapping, null, e.Message);
                }
            }
            prepared.Add(result);
            await onTable(result);
        }
        return prepared;
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
