using Ferry.Abstractions.Components;
using Ferry.Abstractions.Projects;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;

namespace Ferry.Grains.Components;

internal static class TableMappings
{
    /// <summary>
    /// Reads the current source definition of every routed table and applies the object rules' row
    /// filter and column subset to it; the routes keep the destination names the schema stage resolved.
    /// One the source no longer has (dropped or renamed further on in the log) gets an empty definition:
    /// the writer's schema history knows what it was at the checkpoint, and the writer refuses to start
    /// when it does not.
    /// </summary>
    public static async Task<List<TableMapping>> ReadAsync(ISnapshotSource source, IEnumerable<TableRoute> routes, ObjectRules? rules, CancellationToken ct)
    {
        var selector = (rules ?? new ObjectRules()).ToSelector();
        var list = new List<TableMapping>();
        foreach (var r in routes)
        {
            var name = new TableName(r.Database, r.Table);
            var schema = await source.ReadTableAsync(name, ct);
            var target = new TableName(r.DestDatabase, r.DestTable);
            list.Add(schema is null
                ? new TableMapping(new TableSchema(name, [], []), target, selector.Filter(name))
                : selector.Map(schema) with { Target = target });
        }
        return list;
    }
}
