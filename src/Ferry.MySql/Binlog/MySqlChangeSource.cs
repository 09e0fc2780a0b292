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

    /// <summary>
    /// Asks MariaDB for ANNOTATE_ROWS events (the statement text before its rows). Ferry does not need
    /// them; a source configured to send them must still decode the same.
    /// </summary>
    internal bool RequestAnnotateRows { get; init; }

    /// <summary>Sees the type of every event read, before it is decoded (tests prove which event kinds a stream held).</summary>
    internal Action<EventType>? Observe { get; init; }

    public async Task<LogPosition> GetCurrentPositionAsync(CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, forWriting: false, ct);
        string file;
        long offset;
        try { (file, offset) = await LogStatusAsync(conn, "SHOW MASTER STATUS", ct); }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.ParseError)
        {
            // MySQL 8.4 dropped SHOW MASTER STATUS for SHOW BINARY LOG STATUS.
            (file, offset) = await LogStatusAsync(conn, "SHOW BINARY LOG STATUS", ct);
        }
        string? gtid = null;
        try
        {
            await using var cmd = new MySqlCommand("SELECT @@GLOBAL.gtid_binlog_pos", conn);
            gtid = await cmd.ExecuteScalarAsync(ct) as string;
            return Format(file, offset, GtidState.Parse(gtid));
        }
        catch (MySqlException) { /* not MariaDB */ }
        // MySQL: the executed set names the position only while every transaction gets a GTID.
        try
        {
            await using var cmd = new MySqlCommand("SELECT @@GLOBAL.gtid_mode, @@GLOBAL.gtid_executed", conn);
            await using var g = await cmd.ExecuteReaderAsync(ct);
            if (await g.ReadAsync(ct) && string.Equals(g.GetString(0), "ON", StringComparison.OrdinalIgnoreCase))
                return Format(file, offset, mySqlGtid: MySqlGtidSet.Parse(g.GetString(1)));
        }
        catch (MySqlException) { /* neither: file and offset only */ }
        return Format(file, offset);
    }

    private static async Task<(string File, long Offset)> LogStatusAsync(MySqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand(sql, conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            throw new FerryException("binlog.off", "the source has no binary log (log_bin is OFF); incremental sync needs it");
        return (r.GetString(0), Convert.ToInt64(r.GetValue(1)));
    }

    /// <summary>
    /// <c>file:offset</c>, followed by <c>|gtid</c> when the source has one: MariaDB's <c>domain-server-sequence</c>
    /// list, or MySQL's GTID set (<c>uuid:1-5,uuid2:1-3</c>); the colon tells them apart.
    /// </summary>
    public static LogPosition Format(string file, long offset, GtidState? gtid = null, MySqlGtidSet? mySqlGtid = null) =>
        new(mySqlGtid is { IsEmpty: false } ? $"{file}:{offset}|{mySqlGtid}"
            : gtid is null || gtid.IsEmpty ? $"{file}:{offset}" : $"{file}:{offset}|{gtid}");

    /// <summary>The file (empty for a GTID-only position), offset and GTID position (MariaDB's or MySQL's) of a stored position.</summary>
    public static (string File, uint Offset, GtidState Gtid, MySqlGtidSet MySqlGtid) Parse(LogPosition position)
    {
        var parts = position.Value.Split('|', 2);
        var text = parts.Length > 1 ? parts[1] : null;
        var isMySql = text is not null && text.Contains(':');
        var gtid = isMySql ? new GtidState() : GtidState.Parse(text);
        var mySqlGtid = isMySql ? MySqlGtidSet.Parse(text) : new MySqlGtidSet();
        if (parts[0].Length == 0 && (!gtid.IsEmpty || !mySqlGtid.IsEmpty)) return ("", 4, gtid, mySqlGtid);
        var v = parts[0];
        var colon = v.LastIndexOf(':');
        if (colon <= 0 || !uint.TryParse(v[(colon + 1)..], out var offset))
            throw new FerryException("binlog.position-invalid", $"'{position.Value}' is not a binlog position (file:offset[|gtid])");
        return (v[..colon], offset, gtid, mySqlGtid);
    }

    /// <summary>
    /// Logs in and starts the dump at the file position, or by GTID when there is no file or the file
    /// is gone (purged, or a failover to a server with other file names). Returns the first event.
    /// </summary>
    private async Task<(BinlogClient Client, byte[]? First)> OpenDumpAsync(string file, uint offset, GtidState gtid, MySqlGtidSet mySqlGtid,
        CancellationToken ct)
    {
        var byGtid = file.Length == 0;
        var hasGtid = !gtid.IsEmpty || !mySqlGtid.IsEmpty;
        var tls = TlsSettings.From(connection);
        while (true)
        {
            var client = new BinlogClient();
            try
            {
                await client.ConnectAsync(connection.Host, connection.Port, connection.User, connection.Password, tls, ct);
                await client.ExecuteAsync("SET @master_binlog_checksum = @@global.binlog_checksum", ct);
                await client.ExecuteAsync("SET @mariadb_slave_capability = 4", ct);
                await client.ExecuteAsync($"SET @master_heartbeat_period = {(long)HeartbeatPeriod.TotalMilliseconds * 1_000_000}", ct);
                if (byGtid && mySqlGtid.IsEmpty) await client.ExecuteAsync($"SET @slave_connect_state = '{gtid}'", ct);
                await client.RegisterReplicaAsync(serverId, ct);
                if (byGtid && !mySqlGtid.IsEmpty)
                    // MySQL sends every transaction not in the set, whichever file it is in.
                    await client.StartDumpByGtidAsync(mySqlGtid, serverId, ct);
                else
                    await client.StartDumpAsync(byGtid ? "" : file, byGtid ? 4 : offset, serverId,
                        RequestAnnotateRows ? BinlogClient.DumpSendAnnotateRows : (ushort)0, ct);
                return (client, await client.ReadEventAsync(ct));
            }
            catch (FerryException e) when (!byGtid && hasGtid && e.Code == "binlog.position-invalid"
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
        var (file, offset, gtid, mySqlGtid) = Parse(from);
        var (client, pending) = await OpenDumpAsync(file, offset, gtid, mySqlGtid, ct);
        await using var dump = client;
        using var cancel = ct.Register(() => _ = client.DisposeAsync());
        (uint Domain, uint Server, ulong Sequence)? current = null;
        (byte[] Sid, long Gno)? currentMySql = null;
        var atFileStart = offset <= 4;
        LogPosition Position(uint logPos) => Format(file, logPos, gtid, mySqlGtid);

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
            if (currentMySql is { } m) mySqlGtid.Add(m.Sid, m.Gno);
            current = null;
            currentMySql = null;
        }
        // XID, or COMMIT for engines without XA: the transaction's rows, or a heartbeat when none were in scope.
        ChangeEvent EndTransaction(uint logPos, DateTimeOffset at)
        {
            Committed(); // before formatting: the position after a commit includes its GTID
            var committed = rows ?? [];
            rows = null;
            inTransaction = false;
            return Commit(committed, Position(logPos), at);
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
            Observe?.Invoke(header.Type);
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
            var at = header.LogPos;
            TableMap TableFor(ulong id) => tables.TryGetValue(id, out var m) ? m
                : throw new FerryException("binlog.protocol", $"rows for unknown table id {id} at {file}:{at}");

            switch (header.Type)
            {
                case EventType.Rotate:
                    // position (8 bytes) and file name of what comes next: the dump's start, or a new file from its beginning
                    file = Encoding.UTF8.GetString(payload[8..]);
                    atFileStart = BitConverter.ToUInt64(payload) <= 4;
                    continue;
                case EventType.Heartbeat:
                    if (!inTransaction && header.LogPos > 0 && seenDescription)
                        yield return new HeartbeatEvent(Position(header.LogPos), DateTimeOffset.UtcNow);
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
                case EventType.MySqlGtid or EventType.MySqlAnonymousGtid:
                {
                    // commit flag, server UUID, transaction number; an anonymous one (gtid_mode OFF) names no transaction
                    inTransaction = true;
                    rows = [];
                    currentMySql = header.Type == EventType.MySqlGtid ? (payload.Slice(1, 16).ToArray(), BitConverter.ToInt64(payload[17..])) : null;
                    continue;
                }
                case EventType.MySqlPreviousGtids:
                    // Everything before this file. Read from the file's beginning, it plus the GTIDs that follow is the
                    // executed set (a position without a set gains one here). Mid-file it would leave out the
                    // transactions between the file's start and the offset, so it is ignored there.
                    if (atFileStart && payload.Length >= 8 && BitConverter.ToUInt64(payload) >> 56 == 0)
                        mySqlGtid.UnionWith(MySqlGtidSet.Decode(payload));
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
                    RowsEventDecoder.Decode(header.Type, payload, postHeaderRows, TableFor, inScope, rows);
                    continue;
                case EventType.MariaDbWriteRowsCompressedV1 or EventType.MariaDbUpdateRowsCompressedV1 or EventType.MariaDbDeleteRowsCompressedV1
                    or EventType.MariaDbWriteRowsCompressedV2 or EventType.MariaDbUpdateRowsCompressedV2 or EventType.MariaDbDeleteRowsCompressedV2:
                    rows ??= [];
                    RowsEventDecoder.Decode(CompressedEvent.Plain(header.Type), CompressedEvent.ExpandRows(header.Type, payload, postHeaderRows),
                        postHeaderRows, TableFor, inScope, rows);
                    continue;
                case EventType.Xid:
                    yield return EndTransaction(header.LogPos, timestamp);
                    continue;
                case EventType.Query or EventType.MariaDbQueryCompressed:
                {
                    var (database, sql) = ParseQuery(payload, compressed: header.Type == EventType.MariaDbQueryCompressed);
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
                        yield return new HeartbeatEvent(Position(header.LogPos), timestamp);
                        continue;
                    }
                    tables.Clear();
                    if (inTransaction && grouped && rows is { Count: 0 })
                    {
                        // The group's GTID counts only at its commit: a resume from here by GTID replays the whole
                        // group (the CREATE is then already applied), by file position it goes on with the rows.
                        yield return new DdlEvent(database, sql, Position(header.LogPos), timestamp, DdlParser.Parse(sql, database));
                        continue;
                    }
                    // A DDL statement is a transaction of its own.
                    Committed();
                    rows = null;
                    inTransaction = false;
                    yield return new DdlEvent(database, sql, Position(header.LogPos), timestamp, DdlParser.Parse(sql, database));
                    continue;
                }
                case EventType.MySqlPartialUpdateRows:
                    // Skipping it would lose updates silently.
                    throw new FerryException("binlog.unsupported-event",
                        $"the source writes partial JSON updates (binlog_row_value_options=PARTIAL_JSON) at {file}:{header.LogPos}; " +
                        "Ferry needs whole row images: set binlog_row_value_options to ''");
                case EventType.MySqlTransactionPayload:
                    throw new FerryException("binlog.unsupported-event",
                        $"the source compresses transactions (binlog_transaction_compression=ON) at {file}:{header.LogPos}, " +
                        "which Ferry does not read yet: turn it off for the migration");
                default:
                    continue;
            }
        }
    }

    /// <summary>FL_STANDALONE in a MariaDB GTID event: no BEGIN … COMMIT group follows.</summary>
    private const byte GtidStandalone = 0x01;

    private static ChangeEvent Commit(List<RowChange> rows, LogPosition position, DateTimeOffset timestamp) =>
        rows.Count == 0 ? new HeartbeatEvent(position, timestamp) : new TransactionEvent(rows, position, timestamp);

    /// <summary>The default database and statement of a QUERY event (of a QUERY_COMPRESSED event, the statement is inflated).</summary>
    private static (string Database, string Sql) ParseQuery(ReadOnlySpan<byte> payload, bool compressed)
    {
        var r = new ByteReader(payload);
        r.Skip(4 + 4); // thread id, execution time
        var dbLength = r.U8();
        r.Skip(2); // error code
        var statusLength = r.U16();
        r.Skip(statusLength);
        var db = Encoding.UTF8.GetString(r.Bytes(dbLength));
        r.Skip(1);
        return (db, Encoding.UTF8.GetString(compressed ? CompressedEvent.Inflate(r.Rest) : r.Rest));
    }
}
