using Ferry.Abstractions.Components;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;

namespace Ferry.Grains.Components;

internal static class TableMappings
{
    /// <summary>
    /// Reads the current source definition of every routed table. One the source no longer has (dropped or
    /// renamed further on in the log) gets an empty definition: the writer's schema history knows what it
    /// was at the checkpoint, and the writer refuses to start when it does not.
    /// </summary>
    public static async Task<List<TableMapping>> ReadAsync(ISnapshotSource source, IEnumerable<TableRoute> routes, CancellationToken ct)
    {
        var list = new List<TableMapping>();
        foreach (var r in routes)
        {
            var name = new TableName(r.Database, r.Table);
            var schema = await source.ReadTableAsync(name, ct) ?? new TableSchema(name, [], []);
            list.Add(new TableMapping(schema, new TableName(r.DestDatabase, r.DestTable)));
        }
        return list;
    }
}
