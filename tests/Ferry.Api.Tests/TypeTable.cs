namespace Ferry.Api.Tests;

/// <summary>A table with every column type of the foundation slice, and rows at their edges.</summary>
public static class TypeTable
{
    public const string Create = """
        CREATE TABLE types (
          id INT PRIMARY KEY,
          ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
          mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
          d DECIMAL(65,30), d2 DECIMAL(10,2), f FLOAT, db DOUBLE,
          c CHAR(10), vc VARCHAR(255), t TEXT,
          dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL,
          bl BLOB, vb VARBINARY(64), j JSON
        ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
        """;

    /// <summary>Rows inserted before the migration starts (the session is in UTC for TIMESTAMP literals).</summary>
    public const string SeedRows = """
        INSERT INTO types VALUES
        (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
            '-99999999999999999999999999999999999.999999999999999999999999999999', '-99999999.99', -3.40282e38, -1.7976931348623157e308,
            '', '', '', '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000',
            '', '', '[]'),
        (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
            '99999999999999999999999999999999999.999999999999999999999999999999', '99999999.99', 3.40282e38, 1.7976931348623157e308,
            'abcdefghij', 'ünïcødé 中文 😀🚀', REPEAT('long text ✓ ', 2000), '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999',
            X'00FF00FF', X'6162630000', '{"a": [1, 2.5, {"b": "ü😀"}], "n": null}'),
        (3, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
            '0.000000000000000000000000000001', '0.01', 1.17549e-38, 2.2250738585072014e-308,
            'x', 'tab	and "quotes" and \\backslash', 'line1\nline2', '2024-02-29', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.654321',
            X'00', X'00', '"just a string"'),
        (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        """;
}
