using Ferry.Engine.Errors;
using Ferry.Engine.Filters;

namespace Ferry.Engine.Tests;

public sealed class RowFilterTests
{
    private sealed class Brackets : IFilterDialect
    {
        public string Column(string name) => "[" + name + "]";
        public string String(string value) => "<" + value + ">";
    }

    [Theory]
    [InlineData("a = 1", "([a] = 1)")]
    [InlineData("a != 1 or b <> 'x'", "(([a] <> 1) OR ([b] <> <x>))")]
    [InlineData("NOT a >= -2.5e3 AND b IS NOT NULL", "((NOT ([a] >= -2.5e3)) AND ([b] IS NOT NULL))")]
    [InlineData("a BETWEEN -1 AND .5 OR a NOT IN (1, 'two', NULL)", "(([a] BETWEEN -1 AND .5) OR ([a] NOT IN (1, <two>, NULL)))")]
    [InlineData("`weird``name` LIKE 'it''s %' AND \"Mixed Case\" NOT LIKE 'a\\_b'", "(([weird`name] LIKE <it's %>) AND ([Mixed Case] NOT LIKE <a\\_b>))")]
    [InlineData("(a = 1 OR b = 2) AND c = TRUE", "((([a] = 1) OR ([b] = 2)) AND ([c] = TRUE))")]
    [InlineData("created_at >= '2024-01-01' and status in ('paid','sent')", "(([created_at] >= <2024-01-01>) AND ([status] IN (<paid>, <sent>)))")]
    public void Filters_render_from_the_parsed_tree(string text, string expected)
    {
        var filter = RowFilter.Parse(text);
        Assert.Equal(expected, filter.Render(new Brackets()));
    }

    [Fact]
    public void Columns_are_collected_once_each()
    {
        var filter = RowFilter.Parse("a = 1 OR (b < a AND B > 2) OR c BETWEEN a AND d");
        Assert.Equal(["a", "b", "c", "d"], filter.Columns);
    }

    [Theory]
    [InlineData("a = 1; DROP TABLE t", "';' is not allowed")]
    [InlineData("SLEEP(10) = 0", "functions")]
    [InlineData("a = b + 1", "arithmetic")]
    [InlineData("t.a = 1", "without a table")]
    [InlineData("a = 'open", "unterminated string")]
    [InlineData("a =", "a column or a constant expected")]
    [InlineData("a", "a comparison, IS NULL, IN, BETWEEN or LIKE expected")]
    [InlineData("a = 1 b = 2", "unexpected 'b'")]
    [InlineData("a LIKE b", "LIKE takes a quoted pattern")]
    [InlineData("a IS 5", "NULL expected")]
    [InlineData("1.2.3 = a", "not a number")]
    [InlineData("   ", "empty")]
    [InlineData("a = 1 -- comment", "comments")]
    [InlineData("a = 1 /* x */", "comments")]
    [InlineData("a = 1 # x", "comments")]
    [InlineData("a = @x", "unexpected character '@'")]
    public void Bad_filters_say_what_is_wrong(string text, string expected)
    {
        var e = Assert.Throws<FerryException>(() => RowFilter.Parse(text));
        Assert.Equal("objects.filter-invalid", e.Code);
        Assert.Contains(expected, e.Message);
        Assert.Equal(e.Message, RowFilter.Validate(text));
    }

    [Fact]
    public void String_constants_never_reach_the_output_unescaped()
    {
        // Whatever a constant holds, the dialect decides how it is spelled: the tree keeps it as one value.
        var filter = RowFilter.Parse("a = 'x'' OR 1=1 -- '");
        var literal = Assert.IsType<FilterLiteral>(Assert.IsType<Comparison>(filter.Root).Right);
        Assert.Equal("x' OR 1=1 -- ", literal.Text);
    }
}
