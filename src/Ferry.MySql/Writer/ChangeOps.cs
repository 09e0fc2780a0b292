using Ferry.Engine.Changes;
using Ferry.Engine.Connections;

namespace Ferry.MySql.Writer;

/// <summary>
/// Row changes lowered to the statements that apply them idempotently. An update that moves a row to
/// another key becomes a delete of the old key followed by an upsert, so that batching consecutive
/// operations of the same kind never reorders two operations on one key.
/// </summary>
public static class ChangeOps
{
    public enum Kind { Upsert, DeleteByKey, Insert, DeleteRow, UpdateRow }

    /// <param name="Values">The row image to write, or for deletes the image whose key (or, without a key, whole row) is matched.</param>
    /// <param name="After">For <see cref="Kind.UpdateRow"/>: the new image.</param>
    public sealed record Op(Kind Kind, TableMapping Mapping, object?[] Values, object?[]? After = null);

    public static List<Op> From(IReadOnlyList<TransactionEvent> transactions, Func<Ferry.Engine.Schema.TableName, TableMapping?> map)
    {
        var ops = new List<Op>();
        var mappings = new Dictionary<Ferry.Engine.Schema.TableName, TableMapping?>();
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
                    ops.Add(new Op(keyed ? Kind.DeleteByKey : Kind.DeleteRow, mapping, keyed ? Key(mapping, Require(change.Before, change)) : Require(change.Before, change)));
                    break;
                case ChangeKind.Update when keyed:
                    var after = Require(change.After, change);
                    if (change.Before is { } before && RowValues.CanonicalRow(Key(mapping, before)) != RowValues.CanonicalRow(Key(mapping, after)))
                        ops.Add(new Op(Kind.DeleteByKey, mapping, Key(mapping, before)));
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
    /// as one set of deletes and one set of final images (REPLACE); tables without one keep their order.
    /// </summary>
    public static NetEffect.Plan<Op> Net(List<Op> ops) => NetEffect.Reduce(ops, o => o.Mapping.Target,
        o => o.Kind switch { Kind.Upsert => true, Kind.DeleteByKey => false, _ => null },
        o => RowValues.CanonicalRow(o.Kind == Kind.Upsert ? Key(o.Mapping, o.Values) : o.Values),
        o => o.Mapping);

    /// <summary>About how many bytes an operation's values take in a statement.</summary>
    public static int Size(Op op)
    {
        var size = 0;
        foreach (var v in op.Values)
            size += v switch
            {
                null => 4,
                string s => s.Length * 2 + 3,
                byte[] b => b.Length * 2 + 3,
                _ => 16,
            };
        return size;
    }

    private static object?[] Key(TableMapping mapping, object?[] row) => mapping.Source.KeyOrdinals().Select(i => row[i]).ToArray();

    private static object?[] Require(object?[]? image, RowChange change) =>
        image ?? throw new Ferry.Engine.Errors.FerryException("writer.missing_image",
            $"A {change.Kind} of {change.Table} lacks the row image it needs (binlog_row_image must be FULL).");
}
