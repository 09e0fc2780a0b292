using Ferry.Abstractions.Components;
using Ferry.Abstractions.Projects;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;

namespace Ferry.Grains.Components;

internal static class TableMappings
{
    /// <summary>
    /// Reads the current source definition of every routed table and applies the object rules' row
    /// filter and column subset to it; the routes keep the destination names the schema stage resolved.
    /// </summary>
    public static async Task<List<TableMapping>> ReadAsync(ISnapshotSource source, IEnumerable<TableRoute> routes, ObjectRules? rules, CancellationToken ct)
    {
        var selector = (rules ?? new ObjectRules()).ToSelector();
        var list = new List<TableMapping>();
        foreach (var r in routes)
        {
            var name = new TableName(r.Database, r.Table);
            var schema = await source.ReadTableAsync(name, ct)
                ?? throw new FerryException("source.table-missing", $"source table {name} no longer exists");
            list.Add(selector.Map(schema) with { Target = new TableName(r.DestDatabase, r.DestTable) });
        }
        return list;
    }
}
