using Ferry.Engine.Objects;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Tests;

public sealed class ObjectSelectorTests
{
    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("tmp_*", "tmp_orders", true)]
    [InlineData("tmp_*", "orders_tmp", false)]
    [InlineData("order?", "orders", true)]
    [InlineData("order?", "order", false)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("Orders", "orders", false)]
    [InlineData("", "", true)]
    public void Wildcards_match_like_globs(string pattern, string name, bool expected) =>
        Assert.Equal(expected, Wildcard.IsMatch(pattern, name));

    [Fact]
    public void Include_exclude_and_renames_decide_the_targets()
    {
        var selector = new ObjectSelector(
            [new ObjectFilter("shop", ["*"]), new ObjectFilter("crm", ["users", "acc?"])],
            [new ObjectFilter("shop", ["tmp_*"])],
            new Dictionary<string, string> { ["shop"] = "shop_new", ["shop.orders"] = "archive.orders_2024", ["crm.users"] = "people" });

        Assert.True(selector.Includes(new TableName("shop", "orders")));
        Assert.False(selector.Includes(new TableName("shop", "tmp_x")));
        Assert.True(selector.Includes(new TableName("crm", "acct")));
        Assert.False(selector.Includes(new TableName("crm", "leads")));
        Assert.False(selector.MayContainDatabase("other"));

        Assert.Equal(new TableName("shop_new", "items"), selector.Target(new TableName("shop", "items")));
        Assert.Equal(new TableName("archive", "orders_2024"), selector.Target(new TableName("shop", "orders")));
        Assert.Equal(new TableName("crm", "people"), selector.Target(new TableName("crm", "users")));
        Assert.Equal(new TableName("crm", "acct"), selector.Target(new TableName("crm", "acct")));
    }
}
