using Ferry.Engine.Schema;

namespace Ferry.Engine.Changes;

/// <summary>
/// Reduces the row operations of one apply batch (many source transactions written in one destination
/// transaction with the checkpoint) to their net effect per key: for each destination table and key, the
/// last operation wins (the key's final image is upserted, or the key is deleted when the last change
/// removed it). Only a table whose every operation in the batch is a keyed upsert or delete is reduced;
/// the operations of any other table (without a key: row inserts, updates and deletes matched by value)
/// keep their log order.
/// </summary>
/// <remarks>
/// The reduced operations are written deletes first, then upserts. The final images come from one
/// consistent state of the source, so no two of them collide on any unique key; a row that holds a unique
/// value another final image takes was itself changed in the batch, so it is either deleted first or
/// upserted in the same phase. Replaying a batch from an older checkpoint writes the same final images,
/// so it converges like the unreduced operations do.
/// </remarks>
public static class NetEffect
{
    /// <summary>The operations to write, in the order to write them.</summary>
    /// <param name="Ordered">Operations of tables that are not reduced, in log order.</param>
    /// <param name="Deletes">The keys whose last change removed them, each group's together.</param>
    /// <param name="Upserts">The final image of every other changed key, each group's together.</param>
    public sealed record Plan<T>(List<T> Ordered, List<T> Deletes, List<T> Upserts)
    {
        public int Count => Ordered.Count + Deletes.Count + Upserts.Count;

        /// <summary>All operations in write order: ordered ones, then deletes, then upserts.</summary>
        public List<T> All() => [.. Ordered, .. Deletes, .. Upserts];
    }

    /// <param name="target">The destination table an operation writes (several source tables may share one).</param>
    /// <param name="kind">Whether an operation is a keyed upsert (true), a keyed delete (false), or neither (null: its table keeps log order).</param>
    /// <param name="key">The canonical key of a keyed operation (<see cref="RowValues.CanonicalRow"/> of its key values).</param>
    /// <param name="group">Operations of one group are written by one statement kind (e.g. the source mapping); a plan lists each group's operations together.</param>
    public static Plan<T> Reduce<T>(IReadOnlyList<T> ops, Func<T, TableName> target, Func<T, bool?> kind, Func<T, string> key, Func<T, object> group)
    {
        var ordered = new HashSet<TableName>();
        foreach (var op in ops)
            if (kind(op) is null) ordered.Add(target(op));

        var plan = new Plan<T>([], [], []);
        // (table, key) → slot in `last`; a later operation on the key replaces the earlier one in its slot
        var slots = new Dictionary<(TableName, string), int>();
        var last = new List<T>();
        foreach (var op in ops)
        {
            var table = target(op);
            if (ordered.Contains(table))
            {
                plan.Ordered.Add(op);
                continue;
            }
            var k = (table, key(op));
            if (slots.TryGetValue(k, out var slot)) last[slot] = op;
            else
            {
                slots[k] = last.Count;
                last.Add(op);
            }
        }
        foreach (var g in last.GroupBy(group, ReferenceEqualityComparer.Instance))
            foreach (var op in g)
                (kind(op) == true ? plan.Upserts : plan.Deletes).Add(op);
        return plan;
    }
}
