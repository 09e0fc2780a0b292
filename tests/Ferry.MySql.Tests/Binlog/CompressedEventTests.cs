using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Binlog;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>Two private servers alike but for <c>log_bin_compress</c>: the same workload must decode the same from both.</summary>
public sealed class CompressedBinlogServers : IAsyncLifetime
{
    public PrivateMariaDb Plain { get; private set; } = null!;
    public PrivateMariaDb Compressed { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var plain = PrivateMariaDb.StartAsync();
        var compressed = PrivateMariaDb.StartAsync(["log_bin_compress=ON", "log_bin_compress_min_len=10"]);
        Plain = await plain;
        Compressed = await compressed;
    }

    public async Task DisposeAsync()
    {
        if (Plain is not null) await Plain.DisposeAsync();
        if (Compressed is not null) await Compressed.DisposeAsync();
    }
}

public sealed class CompressedEventTests(CompressedBinlogServers servers) : IClassFixture<CompressedBinlogServers>
{
    private const string Db = "ferry_compressed";

    private const string Workload = """
        CREATE DATABASE ferry_compressed;
        USE ferry_compressed;
        CREATE TABLE w (id INT PRIMARY KEY, a VARCHAR(2000), b TEXT, c BLOB, d DECIMAL(30,10), e DATETIME(6), f DOUBLE, g JSON,
          h VARCHAR(100) CHARACTER SET latin1, i BIGINT UNSIGNED, j ENUM('x','y','z'), k BIT(9)) DEFAULT CHARSET=utf8mb4;
        INSERT INTO w SELECT seq, REPEAT(CONCAT('ünï', seq), 300), REPEAT('text ', seq * 20), REPEAT(X'00FF10', 500),
          seq * 1234.5678901234, '2024-02-29 12:34:56.123456' + INTERVAL seq SECOND, seq / 7, CONCAT('{"n": ', seq, ', "s": "é"}'),
          'é ü ÿ', 18446744073709551615 - seq, ELT(1 + seq % 3, 'x', 'y', 'z'), seq % 512
          FROM seq_1_to_40;
        START TRANSACTION;
        UPDATE w SET a = REPEAT('updated ', 200), d = -d WHERE id % 3 = 0;
        DELETE FROM w WHERE id % 5 = 0;
        COMMIT;
        ALTER TABLE w ADD COLUMN extra VARCHAR(50) DEFAULT 'a default long enough to compress', ADD INDEX ix_i (i);
        INSERT INTO w (id, a, extra) VALUES (1000, REPEAT('after ddl ', 100), 'x');
        UPDATE w SET extra = NULL WHERE id = 1000;
        DELETE FROM w WHERE id = 1000;
        """;

    [Fact]
    public async Task Compressed_rows_and_queries_decode_exactly_like_the_plain_events()
    {
        var plainSeen = new HashSet<byte>();
        var compressedSeen = new HashSet<byte>();
        var plain = await RunAndReadAsync(servers.Plain, annotate: false, plainSeen);
        var compressed = await RunAndReadAsync(servers.Compressed, annotate: true, compressedSeen);

        // The compressed stream really held compressed events (and ANNOTATE_ROWS, which must be skipped), the plain one none.
        Assert.Contains((byte)EventType.MariaDbQueryCompressed, compressedSeen);
        Assert.Contains((byte)EventType.MariaDbWriteRowsCompressedV1, compressedSeen);
        Assert.Contains((byte)EventType.MariaDbUpdateRowsCompressedV1, compressedSeen);
        Assert.Contains((byte)EventType.MariaDbDeleteRowsCompressedV1, compressedSeen);
        Assert.Contains((byte)EventType.MariaDbAnnotateRows, compressedSeen);
        Assert.DoesNotContain(plainSeen, t => t is >= 165 and <= 171);

        Assert.Equal(Describe(plain), Describe(compressed));
        var rows = plain.OfType<TransactionEvent>().SelectMany(t => t.Rows).ToList();
        Assert.Equal(40 + 13 + 8 + 3, rows.Count);
        Assert.Equal(REPEAT("ünï7", 300), rows[6].After![1]);
        Assert.Equal(2, plain.OfType<DdlEvent>().Count());
        Assert.Contains("ADD INDEX ix_i", plain.OfType<DdlEvent>().Last().Statement);
    }

    private static string REPEAT(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    /// <summary>Every event in a form that compares values canonically (positions differ between servers and are left out).</summary>
    private static List<string> Describe(List<ChangeEvent> events) => events.Select(e => e switch
    {
        TransactionEvent t => "tx " + string.Join(" ; ", t.Rows.Select(r =>
            $"{r.Table} {r.Kind} {(r.Before is null ? "-" : RowValues.CanonicalRow(r.Before))} {(r.After is null ? "-" : RowValues.CanonicalRow(r.After))}")),
        DdlEvent d => $"ddl {d.Database} {d.Statement}",
        _ => e.GetType().Name,
    }).ToList();

    private static async Task<List<ChangeEvent>> RunAndReadAsync(PrivateMariaDb server, bool annotate, HashSet<byte> seen)
    {
        var connection = new ConnectionInfo(EngineKind.MariaDb, server.Host, server.Port, server.User, server.Password);
        var source = new MySqlChangeSource(connection, 4242) { RequestAnnotateRows = annotate, Observe = t => { lock (seen) seen.Add((byte)t); } };
        var start = await source.GetCurrentPositionAsync(CancellationToken.None);
        await using (var c = new MySqlConnection(server.ConnectionString + ";AllowUserVariables=true"))
        {
            await c.OpenAsync();
            await using var cmd = new MySqlCommand("SET time_zone = '+00:00', NAMES utf8mb4; " + Workload, c);
            await cmd.ExecuteNonQueryAsync();
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<ChangeEvent>();
        await foreach (var e in source.ReadAsync(start, t => t.Database == Db, cts.Token))
        {
            if (e is HeartbeatEvent) continue;
            if (e is DdlEvent { Statement: var s } && s.StartsWith("CREATE DATABASE", StringComparison.OrdinalIgnoreCase)) continue;
            events.Add(e);
            if (events.OfType<TransactionEvent>().Count() >= 5) break;
        }
        return events;
    }
}
