using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Writer;

namespace Ferry.PostgreSql.Tests;

/// <summary>MySQL values as the PostgreSQL wire forms of their mapped types, and the values refused by name.</summary>
public sealed class MySqlTypeMapperTests
{
    private static readonly MySqlToPostgreSqlTypeMapper Mapper = MySqlToPostgreSqlTypeMapper.Instance;
    private static readonly TableSchema Table = new(new TableName("shop", "items"), [new ColumnSchema("id", "int", "int(11)", false)], ["id"]);

    private static object? Value(ColumnSchema c, object? v) => Mapper.Value(Table, c, v);

    [Fact]
    public void Values_take_the_wire_form_of_their_mapped_type()
    {
        Assert.Equal(true, Value(new("f", "tinyint", "tinyint(1)", true), 1L));
        Assert.Equal(false, Value(new("f", "tinyint", "tinyint(1)", true), 0L));
        Assert.Equal("18446744073709551615", Value(new("u", "bigint", "bigint(20) unsigned", true, IsUnsigned: true), ulong.MaxValue));
        Assert.Equal(4294967295L, Value(new("u", "int", "int(10) unsigned", true, IsUnsigned: true), 4294967295UL));
        Assert.Equal("0000000000000101", Value(new("b", "bit", "bit(16)", true), 5UL));
        Assert.Equal("-838:59:59.000000", Value(new("t", "time", "time", true), -new TimeSpan(838, 59, 59)));
        Assert.Equal("9999-12-31", Value(new("d", "date", "date", true), new DateOnly(9999, 12, 31)));
        var utc = new DateTime(2038, 1, 19, 3, 14, 7, DateTimeKind.Utc);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)Value(new("ts", "timestamp", "timestamp(6)", true, Precision: 6), utc)!).Kind);
        Assert.Null(Value(new("f", "tinyint", "tinyint(1)", true), null));
        Assert.Equal(PgWireKind.Bool, Mapper.Wire(new("f", "tinyint", "tinyint(1)", true)));
        Assert.Null(Mapper.Collation(new("v", "varchar", "varchar(10)", true, Charset: "utf8mb4", Collation: "utf8mb4_general_ci")));
    }

    [Theory]
    [InlineData("tinyint", "tinyint(1)", 5L, "holds 5")]
    [InlineData("tinyint", "tinyint(1)", -1L, "holds -1")]
    [InlineData("bit", "bit(4)", 16UL, "4 bits")]
    [InlineData("varchar", "varchar(10)", "a\0b", "NUL")]
    public void Values_PostgreSql_cannot_hold_are_refused_naming_table_column_and_value(string dataType, string columnType, object value, string why)
    {
        var e = Assert.Throws<FerryException>(() => Value(new("col", dataType, columnType, true), value));
        Assert.Equal("writer.value-unsupported", e.Code);
        Assert.Contains("shop.items.col", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_dates_are_refused()
    {
        Assert.Contains("zero date", Assert.Throws<FerryException>(() => Value(new("d", "date", "date", true), DateOnly.FromDayNumber(0))).Message, StringComparison.Ordinal);
        Assert.Contains("zero date", Assert.Throws<FerryException>(() => Value(new("d", "datetime", "datetime", true), new DateTime(0))).Message, StringComparison.Ordinal);
        Assert.Contains("zero date", Assert.Throws<FerryException>(() => Value(new("d", "timestamp", "timestamp", true), new DateTime(0, DateTimeKind.Utc))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tables_get_mapped_types_without_MySQL_collations_and_generated_columns_need_the_operators_DDL()
    {
        var destination = new PostgreSqlDestination(new ConnectionInfo(EngineKind.PostgreSql, "127.0.0.1", 1, "u", "p"), Mapper);
        var table = new TableSchema(new TableName("shop", "items"),
        [
            new ColumnSchema("id", "bigint", "bigint(20) unsigned", false, IsUnsigned: true),
            new ColumnSchema("name", "varchar", "varchar(40)", true, Charset: "utf8mb4", Collation: "utf8mb4_general_ci"),
        ], ["id"]);
        var ddl = destination.CreateTableStatement(new TableMapping(table, table.Name));
        Assert.Equal("CREATE TABLE IF NOT EXISTS \"shop\".\"items\" (\"id\" numeric(20,0) NOT NULL, \"name\" varchar(40), PRIMARY KEY (\"id\"))", ddl);
        var generated = table with { Columns = [.. table.Columns, new ColumnSchema("upper_name", "varchar", "varchar(40)", true, IsGenerated: true)] };
        var e = Assert.Throws<FerryException>(() => destination.CreateTableStatement(new TableMapping(generated, generated.Name)));
        Assert.Equal("schema.generated-cross-engine", e.Code);
        Assert.Contains("upper_name", e.Message, StringComparison.Ordinal);
    }
}
