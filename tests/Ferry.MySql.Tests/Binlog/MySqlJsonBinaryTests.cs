using Ferry.MySql.Binlog;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>Vectors built by hand from MySQL's documented binary JSON layout.</summary>
public sealed class MySqlJsonBinaryTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void A_small_object_with_an_inlined_int_and_a_nested_array()
    {
        var doc = Hex("00 0200 2400 1200 0100 1300 0200 050100 021500 61 6262" +
                      " 0300 0F00 040100 040000 0C0D00 0178");
        Assert.Equal("{\"a\": 1, \"bb\": [true, null, \"x\"]}", MySqlJsonBinary.ToJson(doc));
    }

    [Theory]
    [InlineData("09 FBFFFFFFFFFFFFFF", "-5")]
    [InlineData("0A FFFFFFFFFFFFFFFF", "18446744073709551615")]
    [InlineData("05 00 80", "-32768")]
    [InlineData("08 FFFFFFFF", "4294967295")]
    [InlineData("0B 0000000000000440", "2.5")]
    [InlineData("0B 9C7500883CE4377E", "1e300")]
    [InlineData("04 02", "false")]
    [InlineData("0C 08 61225C620A63C3BC", "\"a\\\"\\\\b\\ncü\"")]
    [InlineData("03 01000000 0D000000 07F9FFFFFF", "[-7]")]
    [InlineData("02 0000 0400", "[]")]
    [InlineData("00 0000 0400", "{}")]
    public void Scalars_and_containers_print_as_mysql_prints_them(string hex, string json) =>
        Assert.Equal(json, MySqlJsonBinary.ToJson(Hex(hex)));

    [Fact]
    public void Opaque_decimals_and_datetimes_print_as_their_values()
    {
        Assert.Equal("123.45", MySqlJsonBinary.ToJson(Hex("0F F6 05 0502807B2D")));
        long ymd = ((2015L * 13 + 1) << 5) | 15, hms = (23L << 12) | (24 << 6) | 25;
        var packed = ((ymd << 17) | hms) << 24 | 250_000;
        var body = BitConverter.GetBytes(packed);
        var doc = new byte[] { 0x0F, 12, 8 }.Concat(body).ToArray();
        Assert.Equal("\"2015-01-15 23:24:25.250000\"", MySqlJsonBinary.ToJson(doc));
        var date = new byte[] { 0x0F, 10, 8 }.Concat(BitConverter.GetBytes(ymd << 17 << 24)).ToArray();
        Assert.Equal("\"2015-01-15\"", MySqlJsonBinary.ToJson(date));
    }
}
