using Ferry.Engine.Checker;
using Ferry.Engine.Schema;
using Ferry.Engine.Verify;

namespace Ferry.Engine.Tests;

public sealed class JsonCanonicalTests
{
    [Theory]
    // jsonb's spelling of what MySQL or MariaDB stored
    [InlineData("{\"b\": 1, \"a\": [1, 2.50, {\"y\": null, \"x\": true}]}", "{\"a\": [1, 2.5, {\"x\": true, \"y\": null}], \"b\": 1}")]
    [InlineData("{\"n\": 1e2}", "{\"n\": 100}")]
    [InlineData("{\"n\": 100.0}", "{\"n\": 100}")]
    [InlineData("{\"k\": 1, \"k\": 2}", "{\"k\": 2}")]
    [InlineData("\"ü😀\"", "\"\\u00fc\\ud83d\\ude00\"")]
    [InlineData("[]", " [ ] ")]
    public void Equal_values_have_one_form(string stored, string other) =>
        Assert.Equal(JsonCanonical.Normalize(stored), JsonCanonical.Normalize(other));

    [Theory]
    [InlineData("{\"a\": 1}", "{\"a\": \"1\"}")]
    [InlineData("[1, 2]", "[2, 1]")]
    [InlineData("{\"a\": 1.5}", "{\"a\": 1.50001}")]
    [InlineData("{\"A\": 1}", "{\"a\": 1}")]
    [InlineData("null", "\"null\"")]
    public void Different_values_stay_different(string a, string b) =>
        Assert.NotEqual(JsonCanonical.Normalize(a), JsonCanonical.Normalize(b));

    [Fact]
    public void Text_that_is_not_json_is_left_alone() => Assert.Equal("{not json", JsonCanonical.Normalize("{not json"));

    [Fact]
    public void Columns_are_normalized_only_where_the_engines_store_them_differently()
    {
        var mysqlJson = new ColumnSchema("j", "json", "longtext", true);
        var jsonb = new ColumnSchema("j", "jsonb", "jsonb", true);
        var text = new ColumnSchema("t", "text", "text", true);
        var n = Verifier.Normalizers([mysqlJson, mysqlJson, text], [jsonb, mysqlJson, text]);
        Assert.Equal("{\"a\":1,\"b\":2}", n[0]!("{\"b\": 2, \"a\": 1}"));
        // Same engine, same type: compared byte for byte, as read.
        Assert.Null(n[1]);
        Assert.Null(n[2]);
    }
}
