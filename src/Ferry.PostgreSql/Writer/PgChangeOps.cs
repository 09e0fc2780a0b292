using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;

namespace Ferry.PostgreSql.Writer;

/// <summary>
/// Row changes (images already cut to the migrated columns by the syncer) lowered to the statements that apply them idempotently. An update that moves a row to
/// another key becomes a delete of the old key and an upsert, so batching consecutive operations of one
/// kind never reorders two operations on one key.
/// </summary>
public static class PgChangeOps
{
    public enum Kind { Upsert, DeleteByKey, Insert, DeleteRow, UpdateRow, Truncate }

    /// <param name="Values">The image to write; for deletes the key (or, without a key, the whole old row).</param>
    /// <param name="After">For <see cref="Kind.UpdateRow"/>: the new image.</param>
    public sealed record Op(Kind Kind, TableMapping Mapping, object?[] Values, object?[]? After = null);

    public static List<Op> From(IReadOnlyList<TransactionEvent> transactions, Func<TableName, TableMapping?> map)
    {
        var ops = new List<Op>();
        var mappings = new Dictionary<TableName, TableMapping?>();
        foreach (var transaction in transactions)
        foreach (var change in transaction.Rows)
        {
            if (!mappings.TryGetValue(change.Table, out var mapping)) mappings[change.Table] = mapping = map(change.Table);
            if (mapping is null) continue;
            var keyed = mapping.Source.Key.Count > 0;
            switch (change.Kind)
            {
                case ChangeKind.Insert:
                    ops.Add(new Op(keyed ? Kind.Upsert : Kind.Insert, mapping, Require(change.After, change)));
                    break;
                case ChangeKind.Delete:
                    var old = Require(change.Before, change);
                    ops.Add(new Op(keyed ? Kind.DeleteByKey : Kind.DeleteRow, mapping, keyed ? Key(mapping, old) : old));
                    break;
                case ChangeKind.Update when keyed:
                    var after = Require(change.After, change);
                    if (change.Before is { } before)
                    {
                        var oldKey = Key(mapping, before);
                        // a before image of only the key (REPLICA IDENTITY DEFAULT) has nulls elsewhere; the key is what counts
                        if (oldKey.All(v => v is not null) && RowValues.CanonicalRow(oldKey) != RowValues.CanonicalRow(Key(mapping, after)))
                            ops.Add(new Op(Kind.DeleteByKey, mapping, oldKey));
                    }
                    ops.Add(new Op(Kind.Upsert, mapping, after));
                    break;
                case ChangeKind.Update:
                    ops.Add(new Op(Kind.UpdateRow, mapping, Require(change.Before, change), Require(change.After, change)));
                    break;
            }
        }
        return ops;
    }

    /// <summary>
    /// The batch reduced to its net effect per key (<see cref="NetEffect"/>): tables with a key are written
    /// as one set of deletes and one set of final images; tables without one keep their order.
    /// </summary>
    public static NetEffect.Plan<Op> Net(List<Op> ops) => NetEffect.Reduce(ops, o => o.Mapping.Target,
        o => o.Kind switch { Kind.Upsert => true, Kind.DeleteByKey => false, _ => null },
        o => RowValues.CanonicalRow(o.Kind == Kind.Upsert ? Key(o.Mapping, o.Values) : o.Values),
        o => o.Mapping);

    public static object?[] Key(TableMapping mapping, object?[] row) => mapping.Source.KeyOrdinals().Select(i => row[i]).ToArray();

    private static object?[] Require(object?[]? image, RowChange change) =>
        image ?? throw new FerryException("writer.missing_image",
            $"A {change.Kind} of {change.Table} lacks the row image it needs (a table without a key needs REPLICA IDENTITY FULL on the source).");
}
