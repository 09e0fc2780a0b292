using Ferry.Engine.Changes;
using Ferry.Engine.Checker;
using Ferry.Engine.Schema;
using Ferry.Engine.Verify;

namespace Ferry.Engine.Tests;

/// <summary>PostgreSQL values and the MySQL values they became compare equal; values that differ still differ.</summary>
public sealed class PgToMySqlNormalizerTests
{
    private static string Compare(Func<object?, object?>? n, object? v) => RowValues.Canonical(n is null ? v : n(v));

    private static Func<object?, object?>? Of(ColumnSchema source, ColumnSchema dest) => Verifier.Normalizers([source], [dest])[0];

    [Fact]
    public void Numeric_without_scale_and_DECIMAL_65_30_padding_compare_equal_differences_kept()
    {
        var n = Of(new("n", "numeric", "numeric", true), new("n", "decimal", "decimal(65,30)", true));
        Assert.Equal(Compare(n, "1.5"), Compare(n, "1.500000000000000000000000000000"));
        Assert.Equal(Compare(n, "-12"), Compare(n, "-12.000000000000000000000000000000"));
        Assert.Equal(Compare(n, "0"), Compare(n, "0.000000000000000000000000000000"));
        Assert.NotEqual(Compare(n, "1.5"), Compare(n, "1.500000000000000000000000000001"));
        Assert.NotEqual(Compare(n, "-1.5"), Compare(n, "1.500000000000000000000000000000"));
        Assert.NotEqual(Compare(n, "10"), Compare(n, "1.000000000000000000000000000000"));
    }

    [Fact]
    public void Money_text_and_decimal_compare_equal()
    {
        var n = Of(new("m", "money", "money", true), new("m", "decimal", "decimal(19,2)", true));
        Assert.Equal(Compare(n, "-$1,234.56"), Compare(n, "-1234.56"));
        Assert.NotEqual(Compare(n, "$1,234.56"), Compare(n, "1234.57"));
    }

    [Fact]
    public void Arrays_and_their_JSON_compare_equal_differences_kept()
    {
        var ints = Of(new("a", "_int4", "integer[]", true), new("a", "longtext", "longtext", true));
        Assert.Equal(Compare(ints, "{1,-2,NULL}"), Compare(ints, "[1, -2, null]"));
        Assert.Equal(Compare(ints, "{{1,2},{3,4}}"), Compare(ints, "[[1,2],[3,4]]"));
        Assert.Equal(Compare(ints, "{}"), Compare(ints, "[]"));
        Assert.NotEqual(Compare(ints, "{1,2}"), Compare(ints, "[2,1]"));
        Assert.NotEqual(Compare(ints, "{1,NULL}"), Compare(ints, "[1,0]"));
        var texts = Of(new("t", "_text", "text[]", true), new("t", "json", "json", true));
        Assert.Equal(Compare(texts, "{\"a b\",\"x\\\"y\",NULL,\"NULL\",😀}"), Compare(texts, "[\"a b\",\"x\\\"y\",null,\"NULL\",\"😀\"]"));
        Assert.NotEqual(Compare(texts, "{1}"), Compare(texts, "[1]"));
    }

    [Fact]
    public void Bool_and_tinyint_timestamptz_and_datetime_compare_equal_without_normalizer()
    {
        Assert.Equal(RowValues.Canonical(true), RowValues.Canonical(1L));
        Assert.NotEqual(RowValues.Canonical(true), RowValues.Canonical(0L));
        var utc = new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234560);
        Assert.Equal(RowValues.Canonical(utc), RowValues.Canonical(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)));
        Assert.NotEqual(RowValues.Canonical(utc), RowValues.Canonical(DateTime.SpecifyKind(utc.AddHours(-5), DateTimeKind.Unspecified)));
    }

    [Fact]
    public void Char_padding_bits_and_timetz_compare_equal_differences_kept()
    {
        var c = Of(new("c", "bpchar", "character(5)", true), new("c", "char", "char(5)", true));
        Assert.Equal(Compare(c, "ab   "), Compare(c, "ab"));
        Assert.NotEqual(Compare(c, " ab  "), Compare(c, "ab"));
        var b = Of(new("b", "bit", "bit(8)", true), new("b", "bit", "bit(8)", true));
        Assert.Equal(Compare(b, "00000101"), Compare(b, 5UL));
        Assert.NotEqual(Compare(b, "00000101"), Compare(b, 4UL));
        var t = Of(new("t", "timetz", "time with time zone", true), new("t", "time", "time(6)", true));
        Assert.Equal(Compare(t, "12:34:56.5+05:30"), Compare(t, new TimeSpan(0, 12, 34, 56, 500)));
        Assert.NotEqual(Compare(t, "12:34:56+05"), Compare(t, new TimeSpan(12, 34, 57)));
    }

    [Fact]
    public void Real_and_FLOAT_compare_as_the_float32_both_hold_so_a_difference_past_six_digits_is_reported()
    {
        // the MySQL reader gives FLOAT exactly (through DOUBLE), so no rounding is needed, and none hides a difference
        var n = Of(new("r", "float4", "real", true), new("r", "float", "float", true));
        Assert.Null(n);
        Assert.Equal(Compare(n, 1.2345678f), Compare(n, (float)(double)1.2345678f));
        Assert.NotEqual(Compare(n, 1.2345678f), Compare(n, 1.2345679f));
        Assert.NotEqual(Compare(n, 3.4028235e38f), Compare(n, 3.40282e38f));
        Assert.NotEqual(Compare(n, 1.5f), Compare(n, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(1.5f) + 1)));
    }

    [Fact]
    public void Inet_with_and_without_a_host_mask_compare_equal_differences_kept()
    {
        var n = Of(new("ip", "inet", "inet", true), new("ip", "varchar", "varchar(43)", true));
        Assert.Equal(Compare(n, "10.0.0.1/32"), Compare(n, "10.0.0.1"));
        Assert.Equal(Compare(n, "::1/128"), Compare(n, "::1"));
        Assert.NotEqual(Compare(n, "10.0.0.1/24"), Compare(n, "10.0.0.1"));
    }

    [Theory]
    [InlineData("1.500", "1.5")]
    [InlineData("-0.000", "0")]
    [InlineData("007", "7")]
    [InlineData("NaN", "NaN")]
    public void Decimal_text_is_trimmed_only_of_insignificant_zeros(string text, string expected) =>
        Assert.Equal(expected, CrossEngineValues.TrimDecimal(text));
}
