using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Binlog;
using Ferry.TestSupport;
using MySqlConnector;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>Reads the live source binlog, keeping only this test's database.</summary>
public static class BinlogReading
{
    public static ConnectionInfo Source(string? password = null)
    {
        var b = new MySqlConnectionStringBuilder(TestServers.MariaDbSource);
        return new ConnectionInfo(EngineKind.MariaDb, b.Server, (int)b.Port, b.UserID, password ?? b.Password);
    }

    private static uint _nextServerId = (uint)Random.Shared.Next(10_000, 1_000_000);

    public static MySqlChangeSource NewSource(string? password = null) =>
        new(Source(password), Interlocked.Increment(ref _nextServerId));

    /// <summary>Collects events from <paramref name="from"/> until <paramref name="enough"/> says so (or times out).</summary>
    public static async Task<List<ChangeEvent>> ReadAsync(LogPosition from, string database, Func<List<ChangeEvent>, bool> enough,
        TimeSpan? timeout = null, bool keepHeartbeats = false)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var events = new List<ChangeEvent>();
        try
        {
            await foreach (var e in NewSource().ReadAsync(from, t => t.Database == database, cts.Token))
            {
                if (e is HeartbeatEvent && !keepHeartbeats) continue;
                if (e is DdlEvent d && d.Database != database && !d.Statement.Contains(database)) continue;
                events.Add(e);
                if (enough(events)) break;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Assert.Fail($"timed out after {events.Count} events: {string.Join(", ", events.Select(e => e.GetType().Name))}");
        }
        return events;
    }

    public static List<TransactionEvent> Transactions(IEnumerable<ChangeEvent> events) => events.OfType<TransactionEvent>().ToList();

    public static TableName Table(string db, string table) => new(db, table);
}
