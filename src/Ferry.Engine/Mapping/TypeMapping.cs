using System.Globalization;
using System.Text.RegularExpressions;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Mapping;

/// <summary>
/// Column types across engines: the one table Ferry follows when a MySQL-family table becomes a
/// PostgreSQL table or the other way round. Each entry keeps every value of the source type where the
/// target can; where it cannot, <see cref="MappedType.Loss"/> says what happens, and the precheck
/// (<see cref="Lossy"/>) names every such column before anything is created.
/// <code>
/// MySQL family                      PostgreSQL                 notes
/// TINYINT(1), BOOL                  boolean                    values other than 0/1 are refused
/// TINYINT [UNSIGNED], SMALLINT      smallint
/// SMALLINT UNSIGNED, MEDIUMINT [U], INT   integer
/// INT UNSIGNED, BIGINT              bigint
/// BIGINT UNSIGNED                   numeric(20,0)
/// DECIMAL(p,s)                      numeric(p,s)
/// FLOAT / DOUBLE                    real / double precision
/// BIT(n)                            bit varying(n)
/// YEAR                              smallint
/// DATE                              date                       zero dates cannot exist: refused
/// DATETIME(p)                       timestamp(p)               zero dates refused
/// TIMESTAMP(p)                      timestamptz(p)
/// TIME(p)                           interval                   TIME spans −838…838 hours; PostgreSQL time does not
/// CHAR(n) / VARCHAR(n)              char(n) / varchar(n)       NUL characters cannot be stored in PostgreSQL text
/// TINYTEXT … LONGTEXT               text
/// BINARY, VARBINARY, BLOBs          bytea
/// ENUM(…)                           text                       labels kept as text, held to them by a CHECK added after the copy
/// SET(…)                            text                       comma-separated labels as text
/// JSON                              jsonb                      key order and spacing are not kept (compared as JSON)
/// GEOMETRY family                   bytea                      MySQL's internal format (SRID + WKB)
///
/// PostgreSQL                        MySQL family
/// smallint / integer / bigint       SMALLINT / INT / BIGINT
/// numeric(p,s), p ≤ 65, s ≤ 30      DECIMAL(p,s)
/// numeric (no precision), larger    DECIMAL(65,30)             values beyond 35 integer or 30 fraction digits are refused
/// real / double precision           FLOAT / DOUBLE
/// boolean                           TINYINT(1)
/// char(n) / varchar(n)              CHAR(n) / VARCHAR(n)       n > 255 (char) or > 16383 (varchar): TEXT types
/// text, xml, citext, tsvector, …    LONGTEXT
/// bytea                             LONGBLOB
/// date / timestamp(p)               DATE / DATETIME(p)         infinity refused
/// timestamptz(p)                    DATETIME(p)                stored as UTC: MySQL TIMESTAMP ends in 2038
/// time(p) / timetz(p)               TIME(p)                    timetz: the offset is dropped
/// interval                          VARCHAR(100)               as PostgreSQL's text
/// uuid                              CHAR(36)
/// json / jsonb                      JSON                       (MariaDB: LONGTEXT checked as JSON)
/// inet / cidr / macaddr             VARCHAR(43) / VARCHAR(43) / VARCHAR(17)
/// money                             DECIMAL(19,2)              currency symbol and locale are dropped
/// bit(n) / bit varying(n), n ≤ 64   BIT(n)                     varying: warned (leading zeros, length lost); longer: VARBINARY
/// arrays, ranges, composite types   JSON                       as their JSON form
/// enum types                        ENUM(same labels)          by the table's types (MySqlSchemaObjects); text if a label ends in a space
/// domains                           their base type            when its text loads as is (integers, numeric, text, date), with the
///                                                              domain's CHECKs on the column; else LONGTEXT holding the text
/// </code>
/// </summary>
public static partial class TypeMapping
{
    /// <summary>A MySQL-family column as a PostgreSQL type.</summary>
    public static MappedType ToPostgreSql(ColumnSchema c)
    {
        var type = c.ColumnType.ToLowerInvariant();
        var unsigned = c.IsUnsigned;
        return c.DataType switch
        {
            "tinyint" when Width(type) == 1 => new("boolean", "TINYINT(1) becomes boolean: values other than 0 and 1 are refused"),
            "bool" or "boolean" => new("boolean"),
            "tinyint" => new("smallint"),
            "smallint" => new(unsigned ? "integer" : "smallint"),
            "mediumint" => new("integer"),
            "int" or "integer" => new(unsigned ? "bigint" : "integer"),
            "bigint" => new(unsigned ? "numeric(20,0)" : "bigint"),
            "decimal" or "numeric" => new(Invariant($"numeric({Math.Max(1, c.Precision)},{c.Scale})")),
            "float" => new("real"),
            "double" or "real" => new("double precision"),
            "bit" => new(Invariant($"bit varying({Math.Max(1, Width(type) ?? 1)})")),
            "year" => new("smallint"),
            "date" => new("date", "zero dates (0000-00-00) cannot be stored in PostgreSQL: rows holding them are refused"),
            "datetime" => new(Invariant($"timestamp({c.Precision})"), "zero dates cannot be stored in PostgreSQL: rows holding them are refused"),
            "timestamp" => new(Invariant($"timestamptz({c.Precision})")),
            "time" => new("interval", "TIME becomes interval (PostgreSQL time cannot hold negative or over-24-hour values)"),
            "char" when IsBinary(c) => new("bytea"),
            "varchar" when IsBinary(c) => new("bytea"),
            "char" => new(Invariant($"char({Width(type) ?? 1})"), "NUL characters cannot be stored in PostgreSQL text"),
            "varchar" => new(Invariant($"varchar({Width(type) ?? 1})"), "NUL characters cannot be stored in PostgreSQL text"),
            "tinytext" or "text" or "mediumtext" or "longtext" when IsBinary(c) => new("bytea"),
            "tinytext" or "text" or "mediumtext" or "longtext" => new("text", "NUL characters cannot be stored in PostgreSQL text"),
            "binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob" => new("bytea"),
            "enum" => new("text", "ENUM becomes text holding its labels (a CHECK of the labels is added after the copy)"),
            "set" => new("text", "SET becomes text holding its comma-separated labels"),
            "json" => new("jsonb", "jsonb keeps neither key order nor spacing (verification compares the JSON values)"),
            "geometry" or "point" or "linestring" or "polygon" or "multipoint" or "multilinestring" or "multipolygon" or "geometrycollection"
                => new("bytea", "geometry is kept as MySQL's bytes (SRID + WKB), not as a PostGIS type"),
            _ => new("text", $"{c.ColumnType} has no PostgreSQL counterpart: its text form is kept"),
        };
    }

    /// <summary>A PostgreSQL column as a MySQL-family type.</summary>
    public static MappedType ToMySql(ColumnSchema c)
    {
        var type = c.ColumnType.ToLowerInvariant();
        if (type.EndsWith("[]", StringComparison.Ordinal)) return new("json", "arrays become JSON arrays");
        return c.DataType switch
        {
            "smallint" or "int2" => new("smallint"),
            "integer" or "int" or "int4" => new("int"),
            "bigint" or "int8" => new("bigint"),
            "numeric" or "decimal" when c.Precision is > 0 and <= 65 && c.Scale is >= 0 and <= 30 => new(Invariant($"decimal({c.Precision},{c.Scale})")),
            "numeric" or "decimal" => new("decimal(65,30)", "numeric without a precision (or beyond 65,30) becomes DECIMAL(65,30): values with more than 35 integer or 30 fraction digits are refused"),
            "real" or "float4" => new("float"),
            "double precision" or "float8" => new("double"),
            "boolean" or "bool" => new("tinyint(1)"),
            "character" or "char" or "bpchar" => Width(type) is { } n && n <= 255 ? new(Invariant($"char({n})")) : new("longtext"),
            "character varying" or "varchar" => Width(type) is { } n ? (n <= 16383 ? new(Invariant($"varchar({n})")) : new("longtext")) : new("longtext"),
            "text" or "citext" or "xml" or "name" or "tsvector" or "tsquery" => new("longtext"),
            "bytea" => new("longblob"),
            "date" => new("date", "infinity dates are refused"),
            "timestamp without time zone" or "timestamp" => new(Invariant($"datetime({Math.Min(6, c.Precision)})"), "infinity timestamps are refused"),
            "timestamp with time zone" or "timestamptz" => new(Invariant($"datetime({Math.Min(6, c.Precision)})"), "timestamptz becomes DATETIME holding UTC (MySQL TIMESTAMP ends in 2038)"),
            "time without time zone" or "time" => new(Invariant($"time({Math.Min(6, c.Precision)})")),
            "time with time zone" or "timetz" => new(Invariant($"time({Math.Min(6, c.Precision)})"), "timetz becomes TIME: the offset is dropped"),
            "interval" => new("varchar(100)", "interval becomes its PostgreSQL text"),
            "uuid" => new("char(36)"),
            "json" or "jsonb" => new("json"),
            "inet" or "cidr" => new("varchar(43)"),
            "macaddr" => new("varchar(17)"),
            "macaddr8" => new("varchar(23)"),
            "money" => new("decimal(19,2)", "money becomes DECIMAL(19,2): currency symbol and locale are dropped"),
            "bit" or "bit varying" or "varbit" => Width(type) is { } n && n <= 64
                ? c.DataType == "bit" ? new(Invariant($"bit({n})"))
                    : new(Invariant($"bit({n})"), "bit varying becomes BIT(n): a shorter string gets leading zeros and its length is lost")
                : new("varbinary(8192)", "bit strings longer than 64 bits become bytes"),
            "user-defined" or "enum" => new("varchar(255)", "an enum type becomes text holding its labels"),
            _ => new("longtext", $"{c.ColumnType} has no MySQL counterpart: its text form is kept"),
        };
    }

    /// <summary>Columns that cannot move without loss, each with what will happen: the precheck's list.</summary>
    public static IReadOnlyList<string> Lossy(TableSchema table, Func<ColumnSchema, MappedType> map) =>
        table.Columns.Where(c => !c.IsGenerated).Select(c => (c, m: map(c))).Where(x => !x.m.Lossless)
            .Select(x => $"{table.Name}.{x.c.Name} ({x.c.ColumnType} → {x.m.Type}): {x.m.Loss}").ToList();

    private static bool IsBinary(ColumnSchema c) => string.Equals(c.Charset, "binary", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first number in a type's parentheses: <c>varchar(30)</c> → 30.</summary>
    private static int? Width(string type) =>
        WidthPattern().Match(type) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\((\d+)")]
    private static partial Regex WidthPattern();
}
