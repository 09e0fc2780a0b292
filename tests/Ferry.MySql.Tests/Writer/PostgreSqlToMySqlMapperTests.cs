using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using Ferry.MySql.Writer;

namespace Ferry.MySql.Tests.Writer;

/// <summary>PostgreSQL values as the MySQL writer sends them; values MySQL cannot hold exactly refused by name.</summary>
public sealed class PostgreSqlToMySqlMapperTests
{
    private static readonly PostgreSqlToMySqlMapper Mapper = PostgreSqlToMySqlMapper.Instance;
    private static readonly ColumnSchema Numeric = new("n", "numeric", "numeric", true);
    private static readonly ColumnSchema Numeric52 = new("n52", "numeric", "numeric(5,2)", true, Precision: 5, Scale: 2);
    private static readonly ColumnSchema Ts = new("at", "timestamp", "timestamp without time zone", true, Precision: 6);
    private static readonly ColumnSchema Tz = new("tz", "timestamptz", "timestamp with time zone", true, Precision: 6);
    private static readonly ColumnSchema Arr = new("arr", "_int4", "integer[]", true);
    private static readonly ColumnSchema Texts = new("tx", "_text", "text[]", true);
    private static readonly ColumnSchema Bool = new("b", "bool", "boolean", true);
    private static readonly ColumnSchema Money = new("m", "money", "money", true);
    private static readonly ColumnSchema Bits = new("bits", "bit", "bit(8)", true);
    private static readonly ColumnSchema Key = new("k", "text", "text", false);
    private static readonly TableSchema Table = new(new TableName("s", "t"), [Key, Numeric, Numeric52, Ts, Tz, Arr, Texts, Bool, Money, Bits], ["k"]);

    [Theory]
    [InlineData("1.50", "1.5")]
    [InlineData("-0.000", "0")]
    [InlineData("99999999999999999999999999999999999.999999999999999999999999999999", "99999999999999999999999999999999999.999999999999999999999999999999")]
    public void Numeric_text_goes_exactly(string text, string expected) => Assert.Equal(expected, Mapper.Value(Table, Numeric, text));

    [Theory]
    [InlineData("999999999999999999999999999999999999")]
    [InlineData("0.0000000000000000000000000000001")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Numeric_beyond_DECIMAL_65_30_is_refused_by_name_never_rounded(string text)
    {
        var e = Assert.Throws<FerryException>(() => Mapper.Value(Table, Numeric, text));
        Assert.Equal("writer.value-unsupported", e.Code);
        Assert.Contains("s.t.n", e.Message, StringComparison.Ordinal);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numeric_with_a_scale_refuses_more_digits_than_its_DECIMAL()
    {
        Assert.Equal("-999.99", Mapper.Value(Table, Numeric52, "-999.99"));
        Assert.Throws<FerryException>(() => Mapper.Value(Table, Numeric52, "1000.00"));
    }

    [Fact]
    public void Infinity_timestamps_are_refused_naming_the_column_and_timestamptz_is_UTC()
    {
        var e = Assert.Throws<FerryException>(() => Mapper.Value(Table, Ts, Ferry.Engine.Changes.InfiniteTime.Future));
        Assert.Contains("s.t.at", e.Message, StringComparison.Ordinal);
        Assert.Contains("infinity", e.Message, StringComparison.Ordinal);
        Assert.Contains("-infinity", Assert.Throws<FerryException>(() => Mapper.Value(Table, Tz, Ferry.Engine.Changes.InfiniteTime.Past)).Message, StringComparison.Ordinal);
        // the extreme real values are not infinity: they are written (0001-01-01 as text, since MinValue is MySQL's zero date there)
        Assert.Equal("0001-01-01 00:00:00", Mapper.Value(Table, Tz, DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)));
        Assert.Equal(new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9999990), Mapper.Value(Table, Ts, new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9999990)));
        var utc = new DateTime(2024, 2, 29, 3, 4, 5, DateTimeKind.Utc);
        var written = Assert.IsType<DateTime>(Mapper.Value(Table, Tz, utc));
        Assert.Equal((utc.Ticks, DateTimeKind.Unspecified), (written.Ticks, written.Kind));
    }

    [Fact]
    public void Arrays_become_JSON_arrays_bool_0_1_money_decimal_bits_integers()
    {
        Assert.Equal("[[1,2],[null,-3]]", Mapper.Value(Table, Arr, "{{1,2},{NULL,-3}}"));
        Assert.Equal("[\"a b\",\"q\\\"\",null,\"NULL\",\"😀\"]", Mapper.Value(Table, Texts, "{\"a b\",\"q\\\"\",NULL,\"NULL\",😀}"));
        Assert.Equal(1L, Mapper.Value(Table, Bool, true));
        Assert.Equal(0L, Mapper.Value(Table, Bool, false));
        Assert.Equal("-1234.56", Mapper.Value(Table, Money, "-$1,234.56"));
        Assert.Equal(5UL, Mapper.Value(Table, Bits, "00000101"));
    }

    [Fact]
    public void The_table_as_MySQL_sees_it_bounds_text_keys_and_compares_text_by_code_point()
    {
        var shaped = Mapper.Shape(Table);
        Assert.Equal("varchar(768)", shaped.Columns[0].ColumnType);
        Assert.Equal("utf8mb4_bin", shaped.Columns[0].Collation);
        Assert.Equal("decimal(65,30)", shaped.Columns[1].ColumnType);
        Assert.Equal("json", shaped.Columns[5].ColumnType);
        Assert.Equal("tinyint(1)", shaped.Columns[7].ColumnType);
        Assert.Equal("bit(8)", shaped.Columns[9].ColumnType);
    }
}
