using Ferry.Engine.Changes;
using Ferry.Engine.Errors;
using Ferry.MySql.Binlog;
using Ferry.TestSupport;
using static Ferry.MySql.Tests.Binlog.BinlogReading;

namespace Ferry.MySql.Tests.Binlog;

public sealed class BinlogDecodingTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("binlog");

    public Task InitializeAsync() => TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_db}` CHARACTER SET utf8mb4");
    public Task DisposeAsync() => TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");

    private Task Exec(string sql) => TestServers.ExecAsync(TestServers.MariaDbSource, sql, _db);

    [Fact]
    public async Task Every_column_type_decodes_to_what_was_written()
    {
        await Exec("""
            CREATE TABLE t (
              id INT PRIMARY KEY,
              ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
              i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
              d DECIMAL(65,30), d2 DECIMAL(10,2), f FLOAT, db DOUBLE, y YEAR, dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL,
              tm TIME(6), tm0 TIME, dtm0 DATETIME, b BIT(13), e ENUM('red','green','blue'), s SET('a','b','c','d'),
              c CHAR(10), vc VARCHAR(64), t TEXT, l1 VARCHAR(20) CHARACTER SET latin1, vb VARBINARY(16), bl BLOB, j JSON
            ) DEFAULT CHARSET=utf8mb4
            """);
        var start = await NewSource().GetCurrentPositionAsync(CancellationToken.None);
        await Exec("""
            SET time_zone = '+00:00';
            INSERT INTO t VALUES
            (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
             '-12345678901234567890123456789012345.123456789012345678901234567890', '-99999999.99', -1.5, 2.2250738585072014e-308,
             1901, '1000-01-01', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999',
             '-838:59:59.000000', '-12:00:01', '2024-02-29 12:00:00', b'1010101010101', 'blue', 'a,c,d',
             'abc', 'ünïcødé 😀', 'line1\nline2', 'é ü ÿ € œ', X'6100620000', X'00FF', '{"k": [1, "ü"]}'),
            (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
             '0.000000000000000000000000000001', '0.05', 3.4e38, -1.7976931348623157e308,
             2155, '2024-02-29', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01.000000',
             '838:59:59.999999', '100:00:00', '1000-01-01 00:00:00', b'0', 'red', '',
             '', '', '', '', X'', X'', '[]'),
            (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
            """);
        var events = await ReadAsync(start, _db, e => Transactions(e).Sum(t => t.Rows.Count) >= 3);
        var rows = Transactions(events).SelectMany(t => t.Rows).ToList();
        Assert.All(rows, r => Assert.Equal(ChangeKind.Insert, r.Kind));
        Assert.Equal(3, rows.Count);
        var a = rows[0].After!;
        object?[] expected1 =
        [
            1L, -128L, 255UL, -32768L, 65535UL, -8388608L, 16777215UL, -2147483648L, 4294967295UL, long.MinValue, ulong.MaxValue,
            "-12345678901234567890123456789012345.123456789012345678901234567890", "-99999999.99", -1.5f, 2.2250738585072014e-308,
            1901L, new DateOnly(1000, 1, 1), new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9999990),
            new DateTime(2038, 1, 19, 3, 14, 7, DateTimeKind.Utc).AddTicks(9999990),
            -new TimeSpan(838, 59, 59), -new TimeSpan(12, 0, 1), new DateTime(2024, 2, 29, 12, 0, 0), 0b1010101010101UL, "blue", "a,c,d",
            "abc", "ünïcødé 😀", "line1\nline2", "é ü ÿ € œ", new byte[] { 0x61, 0, 0x62, 0, 0 }, new byte[] { 0, 0xFF }, "{\"k\": [1, \"ü\"]}",
        ];
        AssertRow(expected1, a);
        object?[] expected2 =
        [
            2L, 127L, 0UL, 32767L, 0UL, 8388607L, 0UL, 2147483647L, 0UL, long.MaxValue, 0UL,
            "0.000000000000000000000000000001", "0.05", 3.4e38f, -1.7976931348623157e308,
            2155L, new DateOnly(2024, 2, 29), new DateTime(1000, 1, 1).AddTicks(10), new DateTime(1970, 1, 1, 0, 0, 1, DateTimeKind.Utc),
            new TimeSpan(838, 59, 59).Add(TimeSpan.FromTicks(9999990)), new TimeSpan(100, 0, 0), new DateTime(1000, 1, 1), 0UL, "red", "",
            "", "", "", "", Array.Empty<byte>(), Array.Empty<byte>(), "[]",
        ];
        AssertRow(expected2, rows[1].After!);
        Assert.Equal(3L, rows[2].After![0]);
        Assert.All(rows[2].After!.Skip(1), Assert.Null);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)a[18]!).Kind);
        Assert.Equal(DateTimeKind.Unspecified, ((DateTime)a[17]!).Kind);
    }

    [Fact]
    public async Task BINARY_values_keep_their_trailing_zero_bytes_as_a_snapshot_reads_them()
    {
        await Exec("CREATE TABLE bn (id INT PRIMARY KEY, b BINARY(4), c CHAR(4) CHARACTER SET binary, v VARBINARY(4))");
        var start = await NewSource().GetCurrentPositionAsync(CancellationToken.None);
        // the binlog drops BINARY's trailing 0x00 padding; the column (and a snapshot) has all n bytes
        await Exec("INSERT INTO bn VALUES (1, X'FF00FF00', X'01', X'0100'), (2, X'', X'00000000', X'')");
        var events = await ReadAsync(start, _db, e => Transactions(e).Sum(t => t.Rows.Count) >= 2);
        var rows = Transactions(events).SelectMany(t => t.Rows).Select(r => r.After!).ToList();
        Assert.Equal(new byte[] { 0xFF, 0, 0xFF, 0 }, rows[0][1]);
        Assert.Equal(new byte[] { 1, 0, 0, 0 }, rows[0][2]);
        Assert.Equal(new byte[] { 1, 0 }, rows[0][3]);
        Assert.Equal(new byte[4], rows[1][1]);
        Assert.Equal(new byte[4], rows[1][2]);
        Assert.Equal(Array.Empty<byte>(), rows[1][3]);
    }

    private static void AssertRow(object?[] expected, object?[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.True(e?.GetType() == a?.GetType() && RowValues.Canonical(e) == RowValues.Canonical(a),
                $"column {i}: expected {Describe(e)}, got {Describe(a)}");
        }
    }

    private static string Describe(object? v) => v is null ? "NULL" : $"{v.GetType().Name} {RowValues.Canonical(v)}";

    [Fact]
    public async Task Updates_deletes_transactions_rollbacks_and_ddl_come_in_order_with_resumable_positions()
    {
        await Exec("CREATE TABLE k (id INT PRIMARY KEY, v VARCHAR(20))");
        var start = await NewSource().GetCurrentPositionAsync(CancellationToken.None);
        await Exec("INSERT INTO k VALUES (1, 'one'), (2, 'two')");
        await Exec("START TRANSACTION; UPDATE k SET v = 'uno' WHERE id = 1; DELETE FROM k WHERE id = 2; INSERT INTO k VALUES (3, 'three'); COMMIT");
        await Exec("START TRANSACTION; INSERT INTO k VALUES (99, 'never'); ROLLBACK");
        await Exec("ALTER TABLE k ADD COLUMN extra INT");
        await Exec("INSERT INTO k VALUES (4, 'four', 4)");

        var events = await ReadAsync(start, _db, e => Transactions(e).Count >= 3);
        var txs = Transactions(events);
        Assert.Equal(2, txs[0].Rows.Count);
        Assert.Equal([ChangeKind.Update, ChangeKind.Delete, ChangeKind.Insert], txs[1].Rows.Select(r => r.Kind));
        Assert.Equal("one", txs[1].Rows[0].Before![1]);
        Assert.Equal("uno", txs[1].Rows[0].After![1]);
        Assert.Equal(2L, txs[1].Rows[1].Before![0]);
        Assert.DoesNotContain(txs.SelectMany(t => t.Rows), r => r.After is { } a && Equals(a[0], 99L));
        var ddl = Assert.Single(events.OfType<DdlEvent>());
        Assert.Contains("ADD COLUMN extra", ddl.Statement);
        Assert.Equal(_db, ddl.Database);
        Assert.Equal([4L, "four", 4L], txs[2].Rows[0].After!);
        Assert.True(events.IndexOf(ddl) < events.IndexOf(txs[2]));

        // Resuming at a transaction's position yields exactly the next one.
        var resumed = await ReadAsync(txs[0].Position, _db, e => Transactions(e).Count >= 1);
        var next = Transactions(resumed)[0];
        Assert.Equal(txs[1].Position, next.Position);
        Assert.Equal(txs[1].Rows.Count, next.Rows.Count);
    }

    [Fact]
    public async Task Positions_stay_right_across_a_binlog_rotation_and_idle_heartbeats_come()
    {
        await Exec("CREATE TABLE r (id INT PRIMARY KEY)");
        var start = await NewSource().GetCurrentPositionAsync(CancellationToken.None);
        await Exec("INSERT INTO r VALUES (1)");
        await Exec("FLUSH BINARY LOGS");
        await Exec("INSERT INTO r VALUES (2)");
        var events = await ReadAsync(start, _db, e => Transactions(e).Count >= 2 && e[^1] is HeartbeatEvent, keepHeartbeats: true);
        var txs = Transactions(events);
        var file1 = txs[0].Position.Value.Split(':')[0];
        var file2 = txs[1].Position.Value.Split(':')[0];
        Assert.NotEqual(file1, file2);
        var resumed = await ReadAsync(txs[0].Position, _db, e => Transactions(e).Count >= 1);
        Assert.Equal(2L, Transactions(resumed)[0].Rows[0].After![0]);
        Assert.Equal(txs[1].Position, Transactions(resumed)[0].Position);
        Assert.IsType<HeartbeatEvent>(events[^1]);
    }

    [Fact]
    public async Task Positions_carry_the_gtid_and_resume_by_it_when_the_file_is_unknown()
    {
        await Exec("CREATE TABLE g (id INT PRIMARY KEY)");
        var start = await NewSource().GetCurrentPositionAsync(CancellationToken.None);
        Assert.Contains('|', start.Value);
        await Exec("INSERT INTO g VALUES (1)");
        await Exec("INSERT INTO g VALUES (2)");
        var txs = Transactions(await ReadAsync(start, _db, e => Transactions(e).Count >= 2));
        var (file, offset, gtid, _) = MySqlChangeSource.Parse(txs[0].Position);
        Assert.False(gtid.IsEmpty);
        Assert.NotEqual(MySqlChangeSource.Parse(txs[1].Position).Gtid.ToString(), gtid.ToString());

        // GTID only, and a file that does not exist with the right GTID: both continue with the next transaction.
        foreach (var from in new[] { new LogPosition("|" + gtid), new LogPosition($"mariadb-bin.999999:{offset}|{gtid}") })
        {
            var next = Transactions(await ReadAsync(from, _db, e => Transactions(e).Count >= 1))[0];
            Assert.Equal(2L, next.Rows[0].After![0]);
            Assert.Equal(txs[1].Position, next.Position);
        }
        Assert.StartsWith(file, txs[1].Position.Value);
    }

    [Fact]
    public async Task A_row_larger_than_one_packet_arrives_whole()
    {
        await Exec("CREATE TABLE big (id INT PRIMARY KEY, payload LONGBLOB)");
        var start = await NewSource().GetCurrentPositionAsync(CancellationToken.None);
        var size = 20 * 1024 * 1024;
        await Exec($"INSERT INTO big VALUES (1, REPEAT(X'AB', {size}))");
        var events = await ReadAsync(start, _db, e => Transactions(e).Count >= 1, TimeSpan.FromSeconds(60));
        var payload = (byte[])Transactions(events)[0].Rows[0].After![1]!;
        Assert.Equal(size, payload.Length);
        Assert.All(payload, b => Assert.Equal(0xAB, b));
    }

    [Fact]
    public async Task Wrong_password_and_missing_position_are_clear_errors()
    {
        var start = await NewSource().GetCurrentPositionAsync(CancellationToken.None);
        var bad = NewSource(password: "wrong-password");
        var auth = await Assert.ThrowsAsync<FerryException>(async () =>
        {
            await foreach (var _ in bad.ReadAsync(start, _ => true, CancellationToken.None)) { }
        });
        Assert.Equal("binlog.auth-failed", auth.Code);
        Assert.DoesNotContain("wrong-password", auth.Message);

        var missing = await Assert.ThrowsAsync<FerryException>(async () =>
        {
            await foreach (var _ in NewSource().ReadAsync(new LogPosition("mariadb-bin.999999:4"), _ => true, CancellationToken.None)) { }
        });
        Assert.Equal("binlog.position-invalid", missing.Code);
    }
}
