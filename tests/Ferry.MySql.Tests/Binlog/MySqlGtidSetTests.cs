using Ferry.Engine.Changes;
using Ferry.Engine.Errors;
using Ferry.MySql.Binlog;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>No MySQL server runs here: the set is checked against vectors built by hand from the documented format.</summary>
public sealed class MySqlGtidSetTests
{
    private const string A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private const string B = "8c7f0a1b-0000-4000-8000-00000000beef";

    [Theory]
    [InlineData("", "")]
    [InlineData($"{A}:1-5", $"{A}:1-5")]
    [InlineData($"{A}:7-9:1-5", $"{A}:1-5:7-9")]
    [InlineData($"{A}:1-5:6-9", $"{A}:1-9")] // adjacent intervals merge
    [InlineData($"{A}:3:1-2:4", $"{A}:1-4")]
    [InlineData($"{A}:1-5:3-8", $"{A}:1-8")] // overlapping too
    [InlineData($"{A}:5:5", $"{A}:5")]
    [InlineData($"{B}:1-3,\n{A}:1-5:7-9", $"{A}:1-5:7-9,{B}:1-3")] // @@gtid_executed's ",\n"; sorted by UUID
    [InlineData("3E11FA47-71CA-11E1-9E33-C80AA9429562:2", $"{A}:2")] // upper case normalised
    [InlineData("3e11fa4771ca11e19e33c80aa9429562:2", $"{A}:2")]
    [InlineData($"{A}:1-2,{A}:4", $"{A}:1-2:4")] // one UUID named twice
    public void Parses_and_formats_canonically(string text, string expected)
    {
        Assert.Equal(expected, MySqlGtidSet.Parse(text).ToString());
        Assert.Equal(expected, MySqlGtidSet.Parse(expected).ToString());
    }

    [Theory]
    [InlineData("not-a-uuid:1-5")]
    [InlineData($"{A}")]
    [InlineData($"{A}:0")]
    [InlineData($"{A}:5-3")]
    [InlineData($"{A}:1-2-3")]
    [InlineData($"{A}:-4")]
    [InlineData("3e11fa47-71ca-11e1-9e33c80aa9429562:1")]
    [InlineData($"{A}:tag_1:1-5")]
    public void Rejects_what_is_not_a_set(string text)
    {
        var e = Assert.Throws<FerryException>(() => MySqlGtidSet.Parse(text));
        Assert.Equal("binlog.position-invalid", e.Code);
    }

    [Fact]
    public void Adding_transactions_fills_holes_and_extends_ranges()
    {
        var set = MySqlGtidSet.Parse($"{A}:1-5:7-9");
        set.Add(A, 6);
        Assert.Equal($"{A}:1-9", set.ToString());
        set.Add(A, 11);
        // as a GTID event gives it: the UUID's 16 bytes in text order
        set.Add(Convert.FromHexString("8c7f0a1b00004000800000000000beef"), 2);
        Assert.Equal($"{A}:1-9:11,{B}:2", set.ToString());
        Assert.True(set.Contains(A, 8));
        Assert.False(set.Contains(A, 10));
        Assert.True(set.Contains(B, 2));

        var union = MySqlGtidSet.Parse($"{A}:10,{B}:1");
        union.UnionWith(MySqlGtidSet.Parse($"{A}:1-9:11"));
        Assert.Equal($"{A}:1-11,{B}:1", union.ToString());
    }

    [Fact]
    public void Encodes_the_binary_form_of_com_binlog_dump_gtid()
    {
        var set = MySqlGtidSet.Parse($"{A}:1-5:7-9,{B}:3");
        // n_sids (8) | sid (16) n_intervals (8) [start (8) end-exclusive (8)]* | …
        var expected = Convert.FromHexString(
            "0200000000000000" +
            "3e11fa4771ca11e19e33c80aa9429562" + "0200000000000000" +
            "0100000000000000" + "0600000000000000" +
            "0700000000000000" + "0a00000000000000" +
            "8c7f0a1b00004000800000000000beef" + "0100000000000000" +
            "0300000000000000" + "0400000000000000");
        Assert.Equal(expected, set.Encode());
        Assert.Equal(set.ToString(), MySqlGtidSet.Decode(expected).ToString());
        Assert.Equal("0000000000000000", Convert.ToHexString(new MySqlGtidSet().Encode()));
    }

    [Fact]
    public void Decoding_refuses_malformed_and_tagged_sets()
    {
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() => MySqlGtidSet.Decode(Convert.FromHexString("01000000000000003e11"))).Code);
        // a format byte of 1 in the top bits marks MySQL 8.3's tagged layout
        Assert.Contains("tagged", Assert.Throws<FerryException>(() => MySqlGtidSet.Decode(Convert.FromHexString("0101000000000001"))).Message);
        var empty = Convert.FromHexString("0100000000000000" + "3e11fa4771ca11e19e33c80aa9429562" + "0100000000000000" + "0500000000000000" + "0500000000000000");
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() => MySqlGtidSet.Decode(empty)).Code);
    }

    [Fact]
    public void The_dump_command_carries_flags_server_id_and_the_set()
    {
        var set = MySqlGtidSet.Parse($"{A}:1-2");
        var command = BinlogClient.DumpByGtidCommand(set, 0x01020304);
        var expected = Convert.FromHexString(
            "1e" + "0400" + "04030201" + "00000000" + "0400000000000000" + "30000000" +
            "0100000000000000" + "3e11fa4771ca11e19e33c80aa9429562" + "0100000000000000" + "0100000000000000" + "0300000000000000");
        Assert.Equal(expected, command);
    }

    [Fact]
    public void Positions_carry_a_mysql_set_as_they_carry_a_mariadb_list()
    {
        var set = MySqlGtidSet.Parse($"{A}:1-5:7-9,{B}:1-3");
        var position = MySqlChangeSource.Format("binlog.000042", 1234, mySqlGtid: set);
        Assert.Equal($"binlog.000042:1234|{A}:1-5:7-9,{B}:1-3", position.Value);
        var (file, offset, mariaDb, mySql) = MySqlChangeSource.Parse(position);
        Assert.Equal(("binlog.000042", 1234u), (file, offset));
        Assert.True(mariaDb.IsEmpty);
        Assert.Equal(set.ToString(), mySql.ToString());

        var gtidOnly = MySqlChangeSource.Parse(new LogPosition($"|{A}:1-5"));
        Assert.Equal("", gtidOnly.File);
        Assert.Equal($"{A}:1-5", gtidOnly.MySqlGtid.ToString());

        var maria = MySqlChangeSource.Parse(new LogPosition("mariadb-bin.000003:99|0-1-640,1-2-7"));
        Assert.Equal("0-1-640,1-2-7", maria.Gtid.ToString());
        Assert.True(maria.MySqlGtid.IsEmpty);
        Assert.Equal("mariadb-bin.000003:99|0-1-640,1-2-7", MySqlChangeSource.Format(maria.File, maria.Offset, maria.Gtid, maria.MySqlGtid).Value);
    }
}
