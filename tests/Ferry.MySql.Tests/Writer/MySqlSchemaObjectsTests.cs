using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Writer;

namespace Ferry.MySql.Tests.Writer;

/// <summary>A PostgreSQL table's objects planned for MySQL: what is kept, changed (with a warning) or left out, and why.</summary>
public sealed class MySqlSchemaObjectsTests
{
    private static readonly UserTypeSchema Mood = new("s", "mood", "enum", "s.mood", ["sad", "ok"]);
    private static readonly UserTypeSchema Padded = new("s", "padded", "enum", "s.padded", ["a ", "b"]);
    private static readonly UserTypeSchema Stamp = new("s", "stamp", "domain", "s.stamp", [], "timestamp with time zone", "timestamptz",
        Checks: [new CheckSchema("stamp_check", "(VALUE > '2000-01-01 00:00:00+00'::timestamp with time zone)")]);
    private static readonly UserTypeSchema PosInt = new("s", "posint", "domain", "s.posint", [], "integer", "int4", NotNull: true,
        Checks: [new CheckSchema("posint_check", "(VALUE > 0)")]);

    private static TableSchema Table() => new(new TableName("s", "t"),
        [
            new ColumnSchema("id", "int4", "integer", false), new ColumnSchema("m", "s.mood", "s.mood", true),
            new ColumnSchema("p", "s.padded", "s.padded", true), new ColumnSchema("at", "s.stamp", "s.stamp", true),
            new ColumnSchema("qty", "s.posint", "s.posint", true), new ColumnSchema("note", "text", "text", true),
            new ColumnSchema("name", "varchar", "character varying(40)", true),
        ],
        ["id"],
        Indexes:
        [
            new IndexSchema("t_note", false, [new IndexColumn("note")]),
            new IndexSchema("t_note_u", true, [new IndexColumn("note")]),
            new IndexSchema("t_name_qty", true, [new IndexColumn("name"), new IndexColumn("qty", Descending: true)]),
            new IndexSchema("t_expr", false, [], NativeOnly: true, NativeDefinition: "CREATE INDEX t_expr ON s.t USING btree (lower(name))"),
            new IndexSchema("t_gin", false, [new IndexColumn("note")], "gin"),
        ],
        Types: [Mood, Padded, Stamp, PosInt]);

    [Fact]
    public void Enums_become_ENUM_and_plain_domains_their_base_type_while_others_keep_their_text()
    {
        var table = Table();
        var shape = PostgreSqlToMySqlMapper.Instance.Shape(table);
        Assert.Equal("enum('sad','ok')", shape.Columns[1].ColumnType);
        Assert.Equal("longtext", shape.Columns[2].ColumnType); // 'a ' would lose its space in a MySQL ENUM
        Assert.Equal("longtext", shape.Columns[3].ColumnType); // a timestamptz domain's text is not loaded as DATETIME
        Assert.Equal("int", shape.Columns[4].ColumnType);
        Assert.False(shape.Columns[4].IsNullable); // the domain is NOT NULL
        var warnings = MySqlSchemaObjects.TypeWarnings(table, shape);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("column p ", StringComparison.Ordinal) && w.Contains("space", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("column at ", StringComparison.Ordinal) && w.Contains("s.stamp", StringComparison.Ordinal));
    }

    [Fact]
    public void Indexes_over_text_get_a_prefix_unless_unique_and_what_MySQL_cannot_have_is_left_out_by_name()
    {
        var table = Table();
        var planned = MySqlSchemaObjects.Indexes(table, PostgreSqlToMySqlMapper.Instance.Shape(table)).ToDictionary(i => i.Index.Name);
        Assert.Equal("KEY `t_note` (`note`(191))", planned["t_note"].Definition);
        Assert.Contains("191", planned["t_note"].Warning, StringComparison.Ordinal);
        Assert.Null(planned["t_note_u"].Definition);
        Assert.Contains("not created", planned["t_note_u"].Warning, StringComparison.Ordinal);
        Assert.Equal("UNIQUE KEY `t_name_qty` (`name`, `qty` DESC)", planned["t_name_qty"].Definition);
        Assert.Null(planned["t_name_qty"].Warning);
        Assert.Null(planned["t_expr"].Definition);
        Assert.Contains("lower(name)", planned["t_expr"].Warning, StringComparison.Ordinal);
        Assert.Null(planned["t_gin"].Definition);
        Assert.Contains("gin", planned["t_gin"].Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Domain_checks_become_column_checks_only_where_the_column_holds_the_domains_values()
    {
        var constraints = MySqlSchemaObjects.Constraints(new TableMapping(Table(), new TableName("d", "t")), t => t).ToDictionary(c => c.Name);
        Assert.Equal("ALTER TABLE `d`.`t` ADD CONSTRAINT `qty_posint_check` CHECK ((`qty` > 0))", constraints["qty_posint_check"].Ddl);
        Assert.Null(constraints["qty_posint_check"].Error);
        Assert.Contains("text", constraints["at_stamp_check"].Error, StringComparison.Ordinal);
    }
}
