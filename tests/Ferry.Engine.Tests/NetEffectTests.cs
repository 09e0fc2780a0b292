using Ferry.Engine.Changes;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Tests;

public sealed class NetEffectTests
{
    private sealed record Op(string Table, bool? Upsert, string Key, string Group, int Seq);

    private static readonly object G1 = "g1", G2 = "g2";

    private static NetEffect.Plan<Op> Reduce(params Op[] ops) =>
        NetEffect.Reduce(ops, o => new TableName("db", o.Table), o => o.Upsert, o => o.Key, o => o.Group == "g1" ? G1 : G2);

    [Fact]
    public void The_last_operation_of_each_key_wins_per_destination_table()
    {
        var plan = Reduce(
            new Op("t", true, "1", "g1", 1), new Op("t", false, "1", "g1", 2), new Op("t", true, "1", "g1", 3), // delete, re-insert
            new Op("t", true, "2", "g1", 4), new Op("t", false, "2", "g1", 5),                              // inserted, then gone
            new Op("u", true, "2", "g1", 6),                                                                // same key, other table
            // two source tables aggregated into one destination table: one key, whichever changed it last
            new Op("agg", true, "7", "g1", 7), new Op("agg", false, "7", "g2", 8), new Op("agg", true, "8", "g2", 9), new Op("agg", true, "8", "g1", 10));
        Assert.Empty(plan.Ordered);
        Assert.Equal([5, 8], plan.Deletes.Select(o => o.Seq).Order());
        Assert.Equal([3, 6, 10], plan.Upserts.Select(o => o.Seq).Order());
        // each group's operations are listed together, so one statement writes them
        Assert.Equal(["g1", "g1", "g1"], plan.Upserts.Select(o => o.Group));
        Assert.Equal(["g1", "g2"], plan.Deletes.Select(o => o.Group));
        Assert.Equal([5, 8, 3, 6, 10], plan.All().Select(o => o.Seq)); // deletes first
    }

    [Fact]
    public void A_table_with_any_operation_that_is_not_keyed_keeps_log_order()
    {
        var plan = Reduce(
            new Op("nk", null, "", "g1", 1), new Op("nk", true, "1", "g2", 2), new Op("nk", null, "", "g1", 3), new Op("nk", true, "1", "g2", 4),
            new Op("t", true, "1", "g1", 5), new Op("t", true, "1", "g1", 6));
        Assert.Equal([1, 2, 3, 4], plan.Ordered.Select(o => o.Seq));
        Assert.Empty(plan.Deletes);
        Assert.Equal([6], plan.Upserts.Select(o => o.Seq));
        Assert.Equal([1, 2, 3, 4, 6], plan.All().Select(o => o.Seq));
    }
}
