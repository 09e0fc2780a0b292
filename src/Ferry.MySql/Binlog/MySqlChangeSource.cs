using System.Runtime.CompilerServices;
using System.Text;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Binlog;

/// <summary>
/// The binlog of a MySQL-family source as committed transactions. Positions are
/// <c>file:offset</c> of the event after a commit, so a resumed dump starts exactly at the next transaction.
/// </summary>
public sealed class MySqlChangeSource(ConnectionInfo connection, uint serverId) : IChangeSource
{
    /// <summary>How often an idle server sends a heartbeat (keeps latency true while nothing changes).</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public async Task<LogPosition> GetCurrentPositionAsync(CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, forWriting: false, ct);
        await using var cmd = new MySqlCommand("SHOW MASTER STATUS", conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            throw new FerryException("binlog.off", "the source has no binary log (log_bin is OFF); incremental sync needs it");
        return Format(r.GetString(0), Convert.ToInt64(r.GetValue(1)));
    }

    public static LogPosition Format(string file, long offset) => new($"{file}:{offset}");

    public static (string File, uint Offset) Parse(LogPosition position)
    {
        var v = position.Value.Split('|')[0];
        var colon = v.LastIndexOf(':');
        if (colon <= 0 || !uint.TryParse(v[(colon + 1)..], out var offset))
            throw new FerryException("binlog.position-invalid", $"'{position.Value}' is not a binlog position (file:offset)");
        return (v[..colon], offset);
    }

    public async IAsyncEnumerable<ChangeEvent> ReadAsync(LogPosition from, Func<TableName, bool> inScope, [EnumeratorCancellation] CancellationToken ct)
    {
        if (from.IsNone) from = await GetCurrentPositionAsync(ct);
        var (file, offset) = Parse(from);
        await using var client = new BinlogClient();
        await client.ConnectAsync(connection.Host, connection.Port, connection.User, connection.Password, ct);
        await client.ExecuteAsync("SET @master_binlog_checksum = @@global.binlog_checksum", ct);
        await client.ExecuteAsync("SET @mariadb_slave_capability = 4", ct);
        await client.ExecuteAsync($"SET @master_heartbeat_period = {(long)HeartbeatPeriod.TotalMilliseconds * 1_000_000}", ct);
        await client.RegisterReplicaAsync(serverId, ct);
        await client.StartDumpAsync(file, offset, serverId, ct);
        using var cancel = ct.Register(() => _ = client.DisposeAsync());

        var tables = new Dictionary<ulong, TableMap>();
        var checksum = false;
        var seenDescription = false;
        var postHeaderRows = 8;
        var postHeaderTableMap = 8;
        List<RowChange>? rows = null;
        var inTransaction = false;

        while (true)
        {
            byte[]? raw;
            try { raw = await client.ReadEventAsync(ct); }
            catch (Exception e) when (ct.IsCancellationRequested && e is not FerryException) { throw new OperationCanceledException(ct); }
            catch (IOException e)
            {
                throw new FerryException("binlog.connection-lost", $"the binlog connection to {connection.Host}:{connection.Port} was lost: {e.Message}", e, transient: true);
            }
            // A dump never ends by itself; the server ending it means it is going away.
            if (raw is null)
                throw new FerryException("binlog.connection-lost", $"the source {connection.Host}:{connection.Port} ended the binlog stream", transient: true);

            var header = EventHeader.Parse(raw);
            if (header.Type == EventType.FormatDescription)
            {
                // The description says whether events carry a CRC32 and how long post-headers are.
                var body = raw.AsSpan(EventHeader.Size);
                var headerLength = body[2 + 50 + 4];
                var postHeaders = body[(2 + 50 + 4 + 1)..];
                checksum = body.Length > 0 && body[^5] == 1;
                seenDescription = true;
                postHeaderTableMap = postHeaders[(int)EventType.TableMap - 1];
                postHeaderRows = postHeaders[(int)EventType.WriteRowsV1 - 1];
                _ = headerLength;
                continue;
            }
            var end = raw.Length;
            if (header.Type == EventType.Heartbeat)
            {
                // Heartbeats are generated on the fly and are not checked.
            }
            else if (!seenDescription)
            {
                // Before the format description (the artificial ROTATE) the checksum setting is not
                // known yet: a valid trailing CRC says it is there.
                if (raw.Length > EventHeader.Size + 4 && Crc32.Compute(raw.AsSpan(0, raw.Length - 4)) == BitConverter.ToUInt32(raw, raw.Length - 4))
                    end -= 4;
            }
            else if (checksum)
            {
                end -= 4;
                var expected = BitConverter.ToUInt32(raw, end);
                if (Crc32.Compute(raw.AsSpan(0, end)) != expected)
                    throw new FerryException("binlog.checksum", $"event at {file}:{header.LogPos} failed its CRC32 check");
            }
            var payload = raw.AsSpan(EventHeader.Size, end - EventHeader.Size);
            var timestamp = DateTimeOffset.FromUnixTimeSeconds(header.Timestamp);

            switch (header.Type)
            {
                case EventType.Rotate:
                    file = Encoding.UTF8.GetString(payload[8..]);
                    continue;
                case EventType.Heartbeat:
                    if (!inTransaction && header.LogPos > 0 && seenDescription)
                        yield return new HeartbeatEvent(Format(file, header.LogPos), DateTimeOffset.UtcNow);
                    continue;
                case EventType.MariaDbGtid:
                    inTransaction = true;
                    rows = [];
                    continue;
                case EventType.TableMap:
                {
                    var map = TableMap.Parse(payload, postHeaderTableMap);
                    tables[map.TableId] = map;
                    continue;
                }
                case EventType.WriteRowsV1 or EventType.UpdateRowsV1 or EventType.DeleteRowsV1
                    or EventType.WriteRowsV2 or EventType.UpdateRowsV2 or EventType.DeleteRowsV2:
                    rows ??= [];
                    RowsEventDecoder.Decode(header.Type, payload, postHeaderRows, id => tables.TryGetValue(id, out var m) ? m
                        : throw new FerryException("binlog.protocol", $"rows for unknown table id {id} at {file}:{header.LogPos}"), inScope, rows);
                    continue;
                case EventType.Xid:
                {
                    var committed = rows ?? [];
                    rows = null;
                    inTransaction = false;
                    yield return Commit(committed, Format(file, header.LogPos), timestamp);
                    continue;
                }
                case EventType.Query:
                {
                    var (database, sql) = ParseQuery(payload);
                    var trimmed = sql.Trim();
                    if (trimmed.Equals("BEGIN", StringComparison.OrdinalIgnoreCase))
                    {
                        inTransaction = true;
                        rows ??= [];
                        continue;
                    }
                    if (trimmed.Equals("COMMIT", StringComparison.OrdinalIgnoreCase))
                    {
                        var committed = rows ?? [];
                        rows = null;
                        inTransaction = false;
                        yield return Commit(committed, Format(file, header.LogPos), timestamp);
                        continue;
                    }
                    if (trimmed.Equals("ROLLBACK", StringComparison.OrdinalIgnoreCase))
                    {
                        rows = null;
                        inTransaction = false;
                        yield return new HeartbeatEvent(Format(file, header.LogPos), timestamp);
                        continue;
                    }
                    // A DDL statement is a transaction of its own.
                    rows = null;
                    inTransaction = false;
                    tables.Clear();
                    yield return new DdlEvent(database, sql, Format(file, header.LogPos), timestamp, DdlParser.Parse(sql, database));
                    continue;
                }
                default:
                    continue;
            }
        }
    }

    private static ChangeEvent Commit(List<RowChange> rows, LogPosition position, DateTimeOffset timestamp) =>
        rows.Count == 0 ? new HeartbeatEvent(position, timestamp) : new TransactionEvent(rows, position, timestamp);

    private static (string Database, string Sql) ParseQuery(ReadOnlySpan<byte> payload)
    {
        var r = new ByteReader(payload);
        r.Skip(4 + 4); // thread id, execution time
        var dbLength = r.U8();
        r.Skip(2); // error code
        var statusLength = r.U16();
        r.Skip(statusLength);
        var db = Encoding.UTF8.GetString(r.Bytes(dbLength));
        r.Skip(1);
        return (db, Encoding.UTF8.GetString(r.Rest));
    }
}
