using Ferry.Engine.Schema;

namespace Ferry.Engine.Tests;

public sealed class SqlTranslatorTests
{
    [Theory]
    [InlineData("`qty` > 0 and `qty` < 1000", "\"qty\" > 0 AND \"qty\" < 1000")]
    [InlineData("`name` <> _latin1'it''s' or `name` is null", "\"name\" <> 'it''s' OR \"name\" IS NULL")]
    [InlineData("`a` in (1,2) and ifnull(`b`,0) <=> 3", "\"a\" IN (1,2) AND coalesce(\"b\",0) IS NOT DISTINCT FROM 3")]
    [InlineData("select `c`.`id` AS `id` from (`db`.`child` `c` join `db`.`parent` `p` on(`p`.`id` = `c`.`parent_id`)) where `c`.`qty` > 2",
        "SELECT \"c\".\"id\" AS \"id\" FROM (\"dst\".\"kids\" \"c\" JOIN \"dst\".\"parent\" \"p\" ON(\"p\".\"id\" = \"c\".\"parent_id\")) WHERE \"c\".\"qty\" > 2")]
    public void MySql_conditions_and_queries_become_PostgreSql(string mysql, string pg)
    {
        var result = SqlTranslator.MySqlToPostgreSql(mysql, t => t.Database == "db" ? new TableName("dst", t.Table == "child" ? "kids" : t.Table) : null);
        Assert.Null(result.Problem);
        Assert.Equal(pg, result.Sql);
    }

    [Theory]
    [InlineData("`qty` DIV 2 > 1", "div")]
    [InlineData("`a` / 2 > 1", "division")]
    [InlineData("`a` || `b`", "'||'")]
    [InlineData("concat(`a`, 'x') = 'y'", "concat")]
    [InlineData("`a` = 'back\\\\slash'", "backslash")]
    [InlineData("`a` = \"text\"", "double-quoted")]
    public void MySql_constructs_with_another_meaning_are_refused_by_name(string mysql, string named)
    {
        var result = SqlTranslator.MySqlToPostgreSql(mysql);
        Assert.Null(result.Sql);
        Assert.Contains(named, result.Problem, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("((qty)::integer < 1000)", "((`qty`) < 1000)")]
    [InlineData("(((name)::text <> 'forbidden'::text) AND (m = ANY (ARRAY['ok'::s.mood, 'happy'::s.mood])))",
        "(((`name`) <> 'forbidden') AND (`m` IN ('ok', 'happy')))")]
    [InlineData("(VALUE > 0)", "(`qty` > 0)")]
    [InlineData("(note <> ALL (ARRAY['a\\b'::text]))", "(`note` NOT IN ('a\\\\b'))")]
    public void PostgreSql_conditions_become_MySql(string pg, string mysql)
    {
        var result = SqlTranslator.PostgreSqlToMySql(pg, null, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["value"] = "qty" });
        Assert.Null(result.Problem);
        Assert.Equal(mysql, result.Sql);
    }

    [Fact]
    public void A_PostgreSql_view_keeps_the_old_table_name_as_alias_when_the_table_is_renamed()
    {
        const string view = " SELECT parent.id,\n    parent.code\n   FROM src.parent\n  WHERE parent.code::text ~~ 'a%'::text";
        var result = SqlTranslator.PostgreSqlToMySql(view, t => t == new TableName("src", "parent") ? new TableName("dst", "parents") : null);
        Assert.Equal("SELECT `parent`.`id`, `parent`.`code` FROM `dst`.`parents` `parent` WHERE `parent`.`code` LIKE 'a%'", result.Sql);
        Assert.Equal(" SELECT parent.id,\n    parent.code\n   FROM \"dst\".\"parents\" \"parent\"\n  WHERE parent.code::text ~~ 'a%'::text",
            SqlTranslator.RenamePostgreSql(view, t => t == new TableName("src", "parent") ? new TableName("dst", "parents") : null));
    }

    [Theory]
    [InlineData("(note ~ '^a'::text)", "'~'")]
    [InlineData("((code)::text || '!'::text)", "'||'")]
    [InlineData("(created > (now() - '1 day'::interval))", "now")]
    [InlineData("((qty)::double precision > 1.5)", "::double precision")]
    [InlineData("(name ~~* 'a%')", "'~~*'")]
    public void PostgreSql_constructs_with_another_meaning_are_refused_by_name(string pg, string named)
    {
        var result = SqlTranslator.PostgreSqlToMySql(pg);
        Assert.Null(result.Sql);
        Assert.Contains(named, result.Problem, StringComparison.Ordinal);
    }
}
