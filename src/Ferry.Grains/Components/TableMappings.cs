using Ferry.Abstractions.Components;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;

namespace Ferry.Grains.Components;

internal static class TableMappings
{
    /// <summary>Reads the current source definition of every routed table.</summary>
    public static async Task<List<TableMapping>> ReadAsync(ISnapshotSource source, IEnumerable<TableRoute> routes, CancellationToken ct)
    {
        var list = new List<TableMapping>();
        foreach (var r in routes)
        {
            var name = new TableName(r.Database, r.Table);
            var schema = await source.ReadTableAsync(name, ct)
                ?? throw new FerryException("source.table-missing", $"source table {name} no longer exists");
            list.Add(new TableMapping(schema, new TableName(r.DestDatabase, r.DestTable)));
        }
        return list;
    }
}
