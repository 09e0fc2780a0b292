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
        string file;
        long offset;
        await using (var cmd = new MySqlCommand("SHOW MASTER STATUS", conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
                throw new FerryException("binlog.off", "the source has no binary log (log_bin is OFF); incremental sync needs it");
            (file, offset) = (r.GetString(0), Convert.ToInt64(r.GetValue(1)));
        }
        string? gtid = null;
        try
        {
            await using var cmd = new MySqlCommand("SELECT @@GLOBAL.gtid_binlog_pos", conn);
            gtid = await cmd.ExecuteScalarAsync(ct) as string;
        }
        catch (MySqlException) { /* not MariaDB: file and offset only */ }
        return Format(file, offset, GtidState.Parse(gtid));
    }

    /// <summary><c>file:offset</c>, followed by <c>|gtid-position</c> when the source has one.</summary>
    public static LogPosition Format(string file, long offset, GtidState? gtid = null) =>
        new(gtid is null || gtid.IsEmpty ? $"{file}:{offset}" : $"{file}:{offset}|{gtid}");

    /// <summary>The file (empty for a GTID-only position), offset and GTID position of a stored position.</summary>
    public static (string File, uint Offset, GtidState Gtid) Parse(LogPosition position)
    {
        var parts = position.Value.Split('|', 2);
        var gtid = GtidState.Parse(parts.Length > 1 ? parts[1] : null);
        if (parts[0].Length == 0 && !gtid.IsEmpty) return ("", 4, gtid);
        var v = parts[0];
        var colon = v.LastIndexOf(':');
        if (colon <= 0 || !uint.TryParse(v[(colon + 1)..], out var offset))
            throw new FerryException("binlog.position-invalid", $"'{position.Value}' is not a binlog position (file:offset[|gtid])");
        return (v[..colon], offset, gtid);
    }

    /// <summary>
    /// Logs in and starts the dump at the file position, or by GTID when there is no file or the file
    /// is gone (purged, or a failover to a server with other file names). Returns the first event.
    /// </summary>
    private async Task<(BinlogClient Client, byte[]? First)> OpenDumpAsync(string file, uint offset, GtidState gtid, CancellationToken ct)
    {
        var byGtid = file.Length == 0;
        while (true)
        {
            var client = new BinlogClient();
            try
            {
                await client.ConnectAsync(connection.Host, connection.Port, connection.User, connection.Password, ct);
                await client.ExecuteAsync("SET @master_binlog_checksum = @@global.binlog_checksum", ct);
                await client.ExecuteAsync("SET @mariadb_slave_capability = 4", ct);
                await client.ExecuteAsync($"SET @master_heartbeat_period = {(long)HeartbeatPeriod.TotalMilliseconds * 1_000_000}", ct);
                if (byGtid) await client.ExecuteAsync($"SET @slave_connect_state = '{gtid}'", ct);
                await client.RegisterReplicaAsync(serverId, ct);
                await client.StartDumpAsync(byGtid ? "" : file, byGtid ? 4 : offset, serverId, ct);
                return (client, await client.ReadEventAsync(ct));
            }
            catch (FerryException e) when (!byGtid && !gtid.IsEmpty && e.Code == "binlog.position-invalid"
                                           && e.Message.Contains("first log file", StringComparison.OrdinalIgnoreCase))
            {
                await client.DisposeAsync();
                byGtid = true;
            }
            catch
            {
                await client.DisposeAsync();
                throw;
            }
        }
    }

    public async IAsyncEnumerable<ChangeEvent> ReadAsync(LogPosition from, Func<TableName, bool> inScope, [EnumeratorCancellation] CancellationToken ct)
    {
        if (from.IsNone) from = await GetCurrentPositionAsync(ct);
        var (file, offset, gtid) = Parse(from);
        var (client, pending) = await OpenDumpAsync(file, offset, gtid, ct);
        await using var dump = client;
        using var cancel = ct.Register(() => _ = client.DisposeAsync());
        (uint Domain, uint Server, ulong Sequence)? current = null;

        var tables = new Dictionary<ulong, TableMap>();
        var checksum = false;
        var seenDescription = false;
        var postHeaderRows = 8;
        var postHeaderTableMap = 8;
        List<RowChange>? rows = null;
        var inTransaction = false;
        // A DDL statement inside a BEGIN … COMMIT group: CREATE TABLE … SELECT in ROW format logs the
        // resulting CREATE TABLE, then the rows, then the commit.
        var grouped = false;
        void Committed()
        {
            if (current is { } c) gtid.Apply(c.Domain, c.Server, c.Sequence);
            current = null;
        }
        // XID, or COMMIT for engines without XA: the transaction's rows, or a heartbeat when none were in scope.
        ChangeEvent EndTransaction(uint logPos, DateTimeOffset at)
        {
            Committed(); // before formatting: the position after a commit includes its GTID
            var committed = rows ?? [];
            rows = null;
            inTransaction = false;
            return Commit(committed, Format(file, logPos, gtid), at);
        }

        while (true)
        {
            byte[]? raw;
            try { raw = pending ?? await client.ReadEventAsync(ct); }
            catch (Exception e) when (ct.IsCancellationRequested && e is not FerryException) { throw new OperationCanceledException(ct); }
            catch (IOException e)
            {
                throw new FerryException("binlog.connection-lost", $"the binlog connection to {connection.Host}:{connection.Port} was lost: {e.Message}", e, transient: true);
            }
            // A dump never ends by itself; the server ending it means it is going away.
            pending = null;
            if (raw is null)
                throw new FerryException("binlog.connection-lost", $"the source {connection.Host}:{connection.Port} ended the binlog stream", transient: true);

            var header = EventHeader.Parse(raw);
            if (header.Type == EventType.FormatDescription)
            {
                // The description says whether events carry a CRC32 and how long post-headers are.
                var body = raw.AsSpan(EventHeader.Size);
                var postHeaders = body[(2 + 50 + 4 + 1)..];
                checksum = body.Length > 0 && body[^5] == 1;
                seenDescription = true;
                postHeaderTableMap = postHeaders[(int)EventType.TableMap - 1];
                postHeaderRows = postHeaders[(int)EventType.WriteRowsV1 - 1];
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
                        yield return new HeartbeatEvent(Format(file, header.LogPos, gtid), DateTimeOffset.UtcNow);
                    continue;
                case EventType.MariaDbGtid:
                {
                    inTransaction = true;
                    rows = [];
                    var g = new ByteReader(payload);
                    var sequence = g.U64();
                    current = (g.U32(), header.ServerId, sequence);
                    grouped = (g.U8() & GtidStandalone) == 0;
                    continue;
                }
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
                    yield return EndTransaction(header.LogPos, timestamp);
                    continue;
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
                        yield return EndTransaction(header.LogPos, timestamp);
                        continue;
                    }
                    if (trimmed.Equals("ROLLBACK", StringComparison.OrdinalIgnoreCase))
                    {
                        Committed();
                        rows = null;
                        inTransaction = false;
                        yield return new HeartbeatEvent(Format(file, header.LogPos, gtid), timestamp);
                        continue;
                    }
                    tables.Clear();
                    if (inTransaction && grouped && rows is { Count: 0 })
                    {
                        // The group's GTID counts only at its commit: a resume from here by GTID replays the whole
                        // group (the CREATE is then already applied), by file position it goes on with the rows.
                        yield return new DdlEvent(database, sql, Format(file, header.LogPos, gtid), timestamp, DdlParser.Parse(sql, database));
                        continue;
                    }
                    // A DDL statement is a transaction of its own.
                    Committed();
                    rows = null;
                    inTransaction = false;
                    yield return new DdlEvent(database, sql, Format(file, header.LogPos, gtid), timestamp, DdlParser.Parse(sql, database));
                    continue;
                }
                default:
                    continue;
            }
        }
    }

    /// <summary>FL_STANDALONE in a MariaDB GTID event: no BEGIN … COMMIT group follows.</summary>
    private const byte GtidStandalone = 0x01;

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
