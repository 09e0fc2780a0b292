using Ferry.Engine.Changes;
using Ferry.Engine.Checker;
using Ferry.Engine.Schema;
using Ferry.Engine.Verify;

namespace Ferry.Engine.Tests;

/// <summary>MySQL values and the PostgreSQL values they became compare equal; values that differ still differ.</summary>
public sealed class CrossEngineNormalizerTests
{
    private static readonly ColumnSchema MyTime = new("t", "time", "time(6)", true, Precision: 6);
    private static readonly ColumnSchema PgInterval = new("t", "interval", "interval", true);
    private static readonly ColumnSchema MyBit = new("b", "bit", "bit(5)", true);
    private static readonly ColumnSchema PgVarbit = new("b", "varbit", "bit varying(5)", true);
    private static readonly ColumnSchema MyChar = new("c", "char", "char(5)", true);
    private static readonly ColumnSchema PgChar = new("c", "bpchar", "character(5)", true);

    private static string Compare(Func<object?, object?>? n, object? v) => RowValues.Canonical(n is null ? v : n(v));

    [Theory]
    [InlineData(-838, 59, 59, 0, "-838:59:59")]
    [InlineData(25, 30, 15, 1234560, "25:30:15.123456")]
    [InlineData(0, 0, 0, 0, "00:00:00")]
    [InlineData(48, 0, 0, 0, "2 days")]
    [InlineData(26, 0, 0, 0, "1 day 02:00:00")]
    public void TIME_and_interval_of_one_span_compare_equal(int h, int m, int s, long ticks, string interval)
    {
        var n = Verifier.Normalizers([MyTime], [PgInterval])[0];
        var span = new TimeSpan(Math.Abs(h), m, s).Add(TimeSpan.FromTicks(ticks));
        if (h < 0) span = span.Negate();
        Assert.Equal(Compare(n, span), Compare(n, interval));
    }

    [Fact]
    public void Negative_fractions_and_differences_in_intervals_are_kept()
    {
        var n = Verifier.Normalizers([MyTime], [PgInterval])[0];
        Assert.Equal(Compare(n, -TimeSpan.FromMilliseconds(1500)), Compare(n, "-00:00:01.5"));
        Assert.NotEqual(Compare(n, new TimeSpan(1, 0, 0)), Compare(n, "-01:00:00"));
        Assert.NotEqual(Compare(n, new TimeSpan(1, 0, 0)), Compare(n, "01:00:00.000001"));
        // months have no fixed length: left as read, so never equal to a span
        Assert.NotEqual(Compare(n, new TimeSpan(720, 0, 0)), Compare(n, "1 mon"));
    }

    [Fact]
    public void BIT_and_bit_varying_compare_digit_for_digit()
    {
        var n = Verifier.Normalizers([MyBit], [PgVarbit])[0];
        Assert.Equal(Compare(n, 5UL), Compare(n, "00101"));
        Assert.NotEqual(Compare(n, 5UL), Compare(n, "101"));
        Assert.NotEqual(Compare(n, 4UL), Compare(n, "00101"));
        Assert.Equal(new string('1', 64), CrossEngineValues.Bits(ulong.MaxValue, 64));
    }

    [Fact]
    public void CHAR_padding_is_not_a_difference_but_content_is()
    {
        var n = Verifier.Normalizers([MyChar], [PgChar])[0];
        Assert.Equal(Compare(n, "ab"), Compare(n, "ab   "));
        Assert.NotEqual(Compare(n, "ab"), Compare(n, " ab  "));
    }

    [Fact]
    public void Types_whose_readers_agree_need_no_normalizer()
    {
        var n = Verifier.Normalizers(
            [new("f", "tinyint", "tinyint(1)", true), new("u", "bigint", "bigint(20) unsigned", true, IsUnsigned: true), MyTime],
            [new("f", "bool", "boolean", true), new("u", "numeric", "numeric(20,0)", true), MyTime]);
        Assert.Null(n[0]);
        Assert.Null(n[1]);
        Assert.Null(n[2]);
        // TINYINT(1) 1 and boolean true, BIGINT UNSIGNED max and its numeric text: one canonical form already
        Assert.Equal(RowValues.Canonical(1L), RowValues.Canonical(true));
        Assert.Equal(RowValues.Canonical(ulong.MaxValue), RowValues.Canonical("18446744073709551615"));
    }
}
