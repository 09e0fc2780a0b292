using Ferry.Api.Tests.Support;
using Ferry.TestSupport;

namespace Ferry.Api.Tests;

/// <summary>
/// Column types beyond the foundation set — every fractional precision, zero dates, fixed-width
/// binary with trailing zeros, latin1 and binary collations, BIT, ENUM/SET, geometry, generated
/// and invisible columns — through the full copy and the binlog, compared byte for byte.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class WideTypesEndToEndTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("e2e_types");
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "types-admin-" + Guid.NewGuid().ToString("N"));

    private const string Columns = """
        (id INT PRIMARY KEY,
         t0 TIME, t1 TIME(1), t2 TIME(2), t3 TIME(3), t4 TIME(4), t5 TIME(5), t6 TIME(6),
         d0 DATETIME, d1 DATETIME(1), d3 DATETIME(3), d6 DATETIME(6),
         s0 TIMESTAMP NULL DEFAULT NULL, s2 TIMESTAMP(2) NULL DEFAULT NULL, s5 TIMESTAMP(5) NULL DEFAULT NULL,
         dt DATE, y YEAR,
         bn BINARY(8), vb VARBINARY(16), cb CHAR(6) CHARACTER SET binary,
         cl CHAR(5) CHARACTER SET latin1, vl VARCHAR(30) CHARACTER SET latin1 COLLATE latin1_bin, tl TEXT CHARACTER SET latin1,
         cu CHAR(4), vcb VARCHAR(20) COLLATE utf8mb4_bin,
         b1 BIT(1), b64 BIT(64), e ENUM('', 'a', 'b c', 'ü'), st SET('x', 'y', 'z'),
         ti TINYTEXT, mt MEDIUMTEXT, tb TINYBLOB, mb MEDIUMBLOB,
         g GEOMETRY, p POINT,
         gs INT AS (id * 10) STORED, gv VARCHAR(40) AS (CONCAT('v', id)) VIRTUAL,
         dflt VARCHAR(10) DEFAULT 'dflt' COMMENT 'a comment',
         hid INT INVISIBLE DEFAULT 7)
        DEFAULT CHARSET=utf8mb4
        """;

    private static string Row(int id, bool edge) => edge
        ? $"""
          ({id}, '-838:59:59', '838:59:59.9', '-00:00:00.01', '100:00:00.123', '-1:02:03.4567', '23:59:59.99999', '-838:59:58.999999',
           '0000-00-00 00:00:00', '1000-01-01 00:00:00.1', '2024-02-29 12:34:56.789', '9999-12-31 23:59:59.999999',
           '0000-00-00 00:00:00', '1970-01-01 00:00:01.01', '2038-01-19 03:14:07.99999',
           '0000-00-00', 0,
           X'0102000000000000', X'00', X'000000',
           'éü', 'ÿ€Œ', REPEAT('ä', 300), 'ab  ', 'CaSe',
           b'1', b'1111111111111111111111111111111111111111111111111111111111111111', 'ü', 'x,z',
           'tiny 😀', REPEAT('m', 70000), X'00FF', REPEAT(X'AB', 70000),
           ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))'), ST_GeomFromText('POINT(1.5 -2.25)'),
           DEFAULT, DEFAULT, DEFAULT)
          """
        : $"""
          ({id}, '00:00:00', '-00:00:00.1', '12:00:00', '-838:59:59.000', '00:00:00.0001', '-00:00:00.00001', '00:00:00.000001',
           '1000-01-01 00:00:00', '0000-00-00 00:00:00.0', '1970-01-01 00:00:00.000', '0000-00-00 00:00:00',
           '1970-01-01 00:00:01', NULL, '0000-00-00 00:00:00',
           '9999-12-31', 2155,
           X'00', X'', X'61',
           '', '', '', '', '',
           b'0', b'0', '', '',
           '', '', X'', X'',
           NULL, ST_GeomFromText('POINT(0 0)'),
           DEFAULT, DEFAULT, 'set')
          """;

    public async Task InitializeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");
        await TestServers.ExecAsync(TestServers.MariaDbSource,
            $"SET time_zone = '+00:00', sql_mode = ''; CREATE TABLE wide {Columns}; INSERT INTO wide VALUES {Row(1, true)}, {Row(2, false)}", _db);
        await _node.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        if (Environment.GetEnvironmentVariable("FERRY_KEEP_TEST_DATA") is null)
        {
            await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
            await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
        }
    }

    [Fact]
    public async Task Wide_types_survive_the_copy_and_the_binlog_exactly()
    {
        using var api = new FerryClient(_node.BaseAddress, _node.AdminKey);
        var scenario = new Scenario(api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("wide", src, dst, _db)))["id"]!.GetValue<string>();
        await api.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "incremental")) == "Monitoring", TimeSpan.FromMinutes(2), "incremental");
        await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, _db, "wide");

        // The same values again, now through the binlog: inserts, an update swapping edge and plain values, a delete.
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"""
            SET time_zone = '+00:00', sql_mode = '';
            INSERT INTO wide VALUES {Row(3, true)}, {Row(4, false)};
            UPDATE wide w JOIN wide x ON x.id = 4 SET w.t6 = x.t6, w.d6 = x.d6, w.s5 = x.s5, w.bn = x.bn, w.b64 = x.b64, w.p = x.p, w.g = NULL WHERE w.id = 1;
            DELETE FROM wide WHERE id = 2;
            UPDATE wide SET hid = -42 WHERE id = 3;
            """, _db);
        await Scenario.AssertConvergesAsync(_db, ["wide"], TimeSpan.FromSeconds(60));
        var verified = await scenario.WaitAsync(id, p => Scenario.Status(Scenario.Stage(p, "verify")) == "Completed", TimeSpan.FromMinutes(2), "verify");
        Assert.Equal(1, Scenario.Stage(verified, "verify")["consistentTables"]!.GetValue<int>());
    }
}
