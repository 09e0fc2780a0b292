using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Schema;
using Ferry.PostgreSql.Snapshot;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;

namespace Ferry.PostgreSql.Replication;

/// <summary>
/// Reads a PostgreSQL database's changes through logical replication (pgoutput, text values) from a slot and a
/// publication of the stream's own (<see cref="PgReplicationNames"/>). The slot is the durable buffer: it pins WAL
/// from the last position the writer acknowledged (<see cref="Acknowledge"/>), never further, so a crash between
/// reading and committing loses nothing.
/// <para>
/// Updates that leave a TOASTed value unchanged carry no value for it. It is taken from the old image when the
/// table has REPLICA IDENTITY FULL; otherwise it is read from the source table by key. The value read may be newer
/// than the change, but every later change of that column follows in the log and is applied after it, so the
/// destination converges; when the row is gone, the change is dropped, since its delete (or key change) follows in
/// the log too. The column is never written as NULL.
/// </para>
/// </summary>
public sealed class PostgreSqlChangeSource(ConnectionInfo connection, string streamSeed) : IChangeSource
{
    private long _acknowledged;
    private IReadOnlyDictionary<TableName, TableSchema> _followed = new Dictionary<TableName, TableSchema>();
    private IReadOnlySet<TableName> _changedAtStart = new HashSet<TableName>();

    /// <summary>The definitions in force where reading starts (see <see cref="IChangeSource.Follow"/>); read by the next <see cref="ReadAsync"/>.</summary>
    public void Follow(IReadOnlyDictionary<TableName, TableSchema> definitions, IReadOnlySet<TableName> changedAtStart)
    {
        _followed = definitions;
        _changedAtStart = changedAtStart;
    }

    /// <summary>The slot's name, and the publication's.</summary>
    public string SlotName { get; } = PgReplicationNames.For(streamSeed);

    public string PublicationName => SlotName;

    /// <summary>Old rows are whole only under REPLICA IDENTITY FULL; otherwise they hold the key or nothing.</summary>
    public bool FullBeforeImages => false;

    /// <summary>
    /// The tables to publish. Null publishes all tables (needs a superuser), which also makes UPDATE and DELETE fail
    /// on the source for every table without a key or replica identity; naming the migrated tables avoids that.
    /// </summary>
    public IReadOnlyCollection<TableName>? Tables { get; init; }

    /// <summary>How long the stream may be idle before a heartbeat is yielded.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The writer committed everything up to <paramref name="position"/>: the slot may release WAL before it.
    /// Only positions acknowledged here are reported to the server as flushed.
    /// </summary>
    public void Acknowledge(LogPosition position)
    {
        if (position.IsNone) return;
        var lsn = (long)(ulong)NpgsqlLogSequenceNumber.Parse(position.Value);
        long seen;
        while ((seen = Interlocked.Read(ref _acknowledged)) < lsn && Interlocked.CompareExchange(ref _acknowledged, lsn, seen) != seen) { }
    }

    /// <summary>
    /// Creates the publication and the slot (if this stream has none) and returns the slot's consistent point:
    /// every transaction committing after it is decoded from the slot, so nothing between this call and the
    /// copy is missed. An existing slot answers its confirmed position (replaying from there is harmless).
    /// </summary>
    public async Task<LogPosition> GetCurrentPositionAsync(CancellationToken ct)
    {
        await using (var c = await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false))
        {
            await EnsurePublicationAsync(c, ct).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand("SELECT confirmed_flush_lsn::text FROM pg_catalog.pg_replication_slots WHERE slot_name = $1", c);
            cmd.Parameters.AddWithValue(SlotName);
            if (await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is string existing) return new LogPosition(existing);
        }
        await using var replication = await OpenReplicationAsync(ct).ConfigureAwait(false);
        var slot = await replication.CreatePgOutputReplicationSlot(SlotName, temporarySlot: false,
            slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport, cancellationToken: ct).ConfigureAwait(false);
        return new LogPosition(slot.ConsistentPoint.ToString());
    }

    /// <summary>Creates the publication, or adds to it the tables it lacks.</summary>
    public async Task PublishAsync(CancellationToken ct)
    {
        await using var c = await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false);
        await EnsurePublicationAsync(c, ct).ConfigureAwait(false);
    }

    private async Task EnsurePublicationAsync(NpgsqlConnection c, CancellationToken ct)
    {
        bool exists;
        await using (var cmd = new NpgsqlCommand("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1", c))
        {
            cmd.Parameters.AddWithValue(PublicationName);
            exists = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
        }
        if (exists)
        {
            // Tables brought in later (objects changed) join the publication before they are copied: pgoutput
            // judges membership as of each change, so a change made before the table joined is never sent.
            if (Tables is not { Count: > 0 }) return;
            var published = new HashSet<TableName>();
            await using (var cmd = new NpgsqlCommand("SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = $1", c))
            {
                cmd.Parameters.AddWithValue(PublicationName);
                await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await r.ReadAsync(ct).ConfigureAwait(false)) published.Add(new TableName(r.GetString(0), r.GetString(1)));
            }
            var missing = Tables.Where(t => !published.Contains(t)).ToList();
            if (missing.Count > 0)
                await PgSessions.ExecuteAsync(c, $"ALTER PUBLICATION {PgIdentifier.Quote(PublicationName)} ADD TABLE " +
                                                 string.Join(", ", missing.Select(PgIdentifier.Quote)), ct).ConfigureAwait(false);
            return;
        }
        var what = Tables is { Count: > 0 } tables ? "FOR TABLE " + string.Join(", ", tables.Select(PgIdentifier.Quote)) : "FOR ALL TABLES";
        // changes of a partition are logged under the partitioned table Ferry migrates, not under the partition
        what += " WITH (publish_via_partition_root = true)";
        try
        {
            await PgSessions.ExecuteAsync(c, $"CREATE PUBLICATION {PgIdentifier.Quote(PublicationName)} {what}", ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new FerryException("datasource.precheck-failed",
                $"creating the publication failed ({e.MessageText}): FOR ALL TABLES needs a superuser, FOR TABLE needs CREATE on the database and ownership of the tables", e);
        }
    }

    /// <summary>
    /// Tables among <paramref name="tables"/> that Ferry would publish (they have a key) but whose replica identity breaks
    /// or weakens the stream: NOTHING (PostgreSQL then refuses the source's own UPDATE and DELETE on the published
    /// table), DEFAULT without a primary key (the same), USING INDEX over other columns than the key Ferry matches rows
    /// by (deletes would carry the wrong columns). Keyless tables are copied only and never published, so they are not
    /// named here (the schema stage warns about them): even under REPLICA IDENTITY FULL they are not streamed, since
    /// the chunked copy is not taken at the slot's snapshot and replaying changes over it without a key would double rows.
    /// </summary>
    public async Task<IReadOnlyList<string>> CheckReplicaIdentityAsync(IEnumerable<TableName> tables, CancellationToken ct)
    {
        var problems = new List<string>();
        await using var c = await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false);
        foreach (var t in tables)
        {
            var schema = await PgSchemaReader.ReadTableAsync(c, t, ct).ConfigureAwait(false);
            if (schema is null || schema.Key.Count == 0) continue;
            await using var cmd = new NpgsqlCommand("""
                SELECT c.relreplident::text,
                       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                             WHERE i.indrelid = c.oid AND i.indisreplident ORDER BY a.attname)
                FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2
                """, c);
            cmd.Parameters.AddWithValue(t.Database);
            cmd.Parameters.AddWithValue(t.Table);
            string? identity = null;
            string[] index = [];
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
                if (await r.ReadAsync(ct).ConfigureAwait(false)) (identity, index) = (r.GetString(0), r.GetFieldValue<string[]>(1));
            var fix = $"ALTER TABLE {PgIdentifier.Quote(t)} REPLICA IDENTITY FULL (or DEFAULT with a primary key)";
            if (identity == "n")
                problems.Add($"{t} has REPLICA IDENTITY NOTHING: once published, PostgreSQL refuses its UPDATE and DELETE, and Ferry could not follow them. {fix}.");
            else if (identity == "d" && !await HasPrimaryKeyAsync(c, t, ct).ConfigureAwait(false))
                problems.Add($"{t} has REPLICA IDENTITY DEFAULT but no primary key: once published, PostgreSQL refuses its UPDATE and DELETE. {fix}, or add a primary key.");
            else if (identity == "i" && !index.SequenceEqual(schema.Key.Order(StringComparer.Ordinal)))
                problems.Add($"{t} has REPLICA IDENTITY USING INDEX over ({string.Join(", ", index)}), but Ferry matches its rows by ({string.Join(", ", schema.Key)}): " +
                             $"deletes would carry the wrong columns. {fix}.");
        }
        return problems;
    }

    private static async Task<bool> HasPrimaryKeyAsync(NpgsqlConnection c, TableName t, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
            """, c);
        cmd.Parameters.AddWithValue(t.Database);
        cmd.Parameters.AddWithValue(t.Table);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
    }

    /// <summary>Drops the slot (releasing its WAL) and the publication: the project is released.</summary>
    public async Task DropAsync(CancellationToken ct)
    {
        await using var c = await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false);
        // a reader that just stopped leaves its walsender holding the slot for a moment; dropping an active slot fails
        for (var attempt = 0; ; attempt++)
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1", c);
            cmd.Parameters.AddWithValue(SlotName);
            try
            {
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 50)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
            }
        }
        await PgSessions.ExecuteAsync(c, $"DROP PUBLICATION IF EXISTS {PgIdentifier.Quote(PublicationName)}", ct).ConfigureAwait(false);
    }

    private async Task<LogicalReplicationConnection> OpenReplicationAsync(CancellationToken ct)
    {
        var replication = new LogicalReplicationConnection(PgSessions.ConnectionString(connection, replication: true));
        try
        {
            await replication.Open(ct).ConfigureAwait(false);
            return replication;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await replication.DisposeAsync().ConfigureAwait(false);
            throw new FerryException("datasource.unreachable", $"cannot open a replication connection to {connection}: {e.Message}", e, transient: Failures.IsTransient(e));
        }
    }

    public async IAsyncEnumerable<ChangeEvent> ReadAsync(LogPosition from, Func<TableName, bool> inScope, [EnumeratorCancellation] CancellationToken ct)
    {
        var start = NpgsqlLogSequenceNumber.Parse(from.Value);
        Acknowledge(from);
        await using var replication = await OpenReplicationAsync(ct).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<ChangeEvent>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        var state = new PumpState(from);
        var pump = Task.Run(() => PumpAsync(replication, start, inScope, channel.Writer, state, stop.Token), CancellationToken.None);
        try
        {
            long reported = 0;
            while (true)
            {
                // a newly acknowledged position is sent at once (not only every WalReceiverStatusInterval), so WAL is released promptly
                var acknowledged = Interlocked.Read(ref _acknowledged);
                if (acknowledged > 0) replication.SetReplicationStatus(new NpgsqlLogSequenceNumber((ulong)acknowledged));
                if (acknowledged > reported && await TrySendStatusAsync(replication, ct).ConfigureAwait(false)) reported = acknowledged;
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                idle.CancelAfter(HeartbeatInterval);
                bool? more;
                try { more = await channel.Reader.WaitToReadAsync(idle.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { more = null; }
                if (more is null)
                {
                    if (state.SafeHeartbeat(channel.Reader, replication) is { } heartbeat) yield return heartbeat;
                    await TrySendStatusAsync(replication, ct).ConfigureAwait(false);
                    continue;
                }
                if (more == false) break;
                while (channel.Reader.TryRead(out var e)) yield return e;
            }
            await pump.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await pump.ConfigureAwait(false); } catch (OperationCanceledException) { } catch (Exception) when (ct.IsCancellationRequested) { }
        }
    }

    /// <summary>False while the stream is not open yet (the pump sends START_REPLICATION on its first read).</summary>
    private static async Task<bool> TrySendStatusAsync(LogicalReplicationConnection replication, CancellationToken ct)
    {
        try
        {
            await replication.SendStatusUpdate(ct).ConfigureAwait(false);
            return true;
        }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>
    /// What the pump and the reader share to tell a safe heartbeat position: one between transactions, with every
    /// decoded transaction already handed over. The server's keepalive position then covers WAL of tables outside the
    /// publication too, so the slot advances while the migrated tables are idle.
    /// </summary>
    private sealed class PumpState(LogPosition from)
    {
        private readonly Lock _gate = new();
        private bool _inTransaction;
        private NpgsqlLogSequenceNumber _handedOver = NpgsqlLogSequenceNumber.Parse(from.Value);

        public void Begin() { lock (_gate) _inTransaction = true; }

        public void HandedOver(NpgsqlLogSequenceNumber position)
        {
            lock (_gate)
            {
                _inTransaction = false;
                if (position > _handedOver) _handedOver = position;
            }
        }

        public HeartbeatEvent? SafeHeartbeat(ChannelReader<ChangeEvent> reader, LogicalReplicationConnection replication)
        {
            lock (_gate)
            {
                if (_inTransaction || reader.Count > 0) return null;
                var received = replication.LastReceivedLsn;
                var position = received > _handedOver ? received : _handedOver;
                return new HeartbeatEvent(new LogPosition(position.ToString()), DateTimeOffset.UtcNow);
            }
        }
    }

    /// <summary>
    /// A relation as its last relation message described it, bound to the table's current definition: pgoutput
    /// leaves generated columns out of tuples, and images must hold every column in the table's ordinal order.
    /// </summary>
    private sealed record Relation(TableName Name, string[] Columns, PgWireKind[] Kinds, uint[] Types, int[] Modifiers)
    {
        public TableSchema? Table { get; set; }
        public int[]? Ordinals { get; set; }

        /// <summary>Its images were committed before the definition the writer resumed with (see <see cref="IChangeSource.Follow"/>): they are dropped.</summary>
        public bool Applied { get; set; }

        public void Bind(TableSchema table)
        {
            Table = table;
            Ordinals = Columns.Select(c => Index(table, c)).ToArray();
        }
    }

    /// <summary>A column by its exact name (PostgreSQL names are case-sensitive).</summary>
    private static int Index(TableSchema table, string column)
    {
        for (var i = 0; i < table.Columns.Count; i++)
            if (table.Columns[i].Name == column) return i;
        return -1;
    }

    private async Task PumpAsync(LogicalReplicationConnection replication, NpgsqlLogSequenceNumber start, Func<TableName, bool> inScope,
        ChannelWriter<ChangeEvent> writer, PumpState state, CancellationToken ct)
    {
        var relations = new Dictionary<uint, Relation>();
        var scope = new Dictionary<TableName, bool>();
        var rows = new List<RowChange>();
        var handedOver = start;
        var lookup = new LookupSession();
        // the definition each table's images follow, as the writer recorded it and as relation messages changed it since
        var definitions = new Dictionary<TableName, TableSchema>(_followed);
        var applied = new HashSet<TableName>(_changedAtStart);
        bool InScope(Relation r) => scope.TryGetValue(r.Name, out var s) ? s : scope[r.Name] = inScope(r.Name);
        bool Followed(Relation r) => !r.Applied && InScope(r);
        try
        {
            var options = new PgOutputReplicationOptions(PublicationName, PgOutputProtocolVersion.V1);
            await foreach (var message in replication.StartReplication(new PgOutputReplicationSlot(SlotName), options, ct, start).ConfigureAwait(false))
            {
                switch (message)
                {
                    case BeginMessage:
                        state.Begin();
                        rows.Clear();
                        break;
                    case RelationMessage r:
                        {
                            var name = new TableName(r.Namespace, r.RelationName);
                            var rel = relations[r.RelationId] = new Relation(name, r.Columns.Select(col => col.ColumnName).ToArray(),
                                r.Columns.Select(col => PgWire.OfOid(col.DataTypeId)).ToArray(),
                                r.Columns.Select(col => col.DataTypeId).ToArray(), r.Columns.Select(col => col.TypeModifier).ToArray());
                            if (!InScope(rel)) break;
                            var session = lookup.Connection ??= await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false);
                            var known = definitions.GetValueOrDefault(name);
                            var logged = await PgRelationDefinition.DescribeAsync(session, name, rel.Columns, rel.Types, rel.Modifiers, known, ct).ConfigureAwait(false);
                            if (known is null || PgRelationDefinition.SameColumns(known, logged))
                            {
                                rel.Bind(definitions[name] = known ?? logged);
                                applied.Remove(name);
                                break;
                            }
                            if (applied.Contains(name))
                            {
                                // the first transaction after the writer's checkpoint, replayed: its images of this table
                                // before the recorded change were committed with the definition they had
                                rel.Applied = true;
                                break;
                            }
                            // rows before the change go first; both carry the position before this transaction, so resuming
                            // from either replays it whole, and its images before the change are then dropped (see Follow)
                            var before = new LogPosition(handedOver.ToString());
                            if (rows.Count > 0) await writer.WriteAsync(new TransactionEvent(rows.ToList(), before, message.ServerClock), ct).ConfigureAwait(false);
                            rows.Clear();
                            var plan = await PgRelationDefinition.PlanAsync(session, known, logged, ct).ConfigureAwait(false);
                            await writer.WriteAsync(new DdlEvent(name.Database, "-- " + plan.Columns!.Describe() + (plan.Reason is null ? "" : " (refused)"),
                                before, message.ServerClock, plan), ct).ConfigureAwait(false);
                            rel.Bind(definitions[name] = logged);
                            break;
                        }
                    case InsertMessage insert:
                        {
                            var rel = relations[insert.Relation.RelationId];
                            if (!Followed(rel)) { await DrainAsync(insert.NewRow, ct).ConfigureAwait(false); break; }
                            var after = await DecodeAsync(lookup, insert.NewRow, rel, ct).ConfigureAwait(false);
                            rows.Add(new RowChange(rel.Name, ChangeKind.Insert, null, after.Values));
                            break;
                        }
                    case FullUpdateMessage full:
                        {
                            var rel = relations[full.Relation.RelationId];
                            if (!Followed(rel)) { await DrainAsync(full.OldRow, ct).ConfigureAwait(false); await DrainAsync(full.NewRow, ct).ConfigureAwait(false); break; }
                            var before = await DecodeAsync(lookup, full.OldRow, rel, ct).ConfigureAwait(false);
                            var after = await DecodeAsync(lookup, full.NewRow, rel, ct).ConfigureAwait(false);
                            foreach (var i in after.Unchanged) after.Values[i] = before.Values[i];
                            rows.Add(new RowChange(rel.Name, ChangeKind.Update, before.Values, after.Values));
                            break;
                        }
                    case IndexUpdateMessage keyed:
                        {
                            var rel = relations[keyed.Relation.RelationId];
                            if (!Followed(rel)) { await DrainAsync(keyed.Key, ct).ConfigureAwait(false); await DrainAsync(keyed.NewRow, ct).ConfigureAwait(false); break; }
                            var key = await DecodeAsync(lookup, keyed.Key, rel, ct).ConfigureAwait(false);
                            var after = await DecodeAsync(lookup, keyed.NewRow, rel, ct).ConfigureAwait(false);
                            if (after.Unchanged.Count > 0 && !await FillUnchangedAsync(rel, after, lookup, ct).ConfigureAwait(false)) break;
                            rows.Add(new RowChange(rel.Name, ChangeKind.Update, key.Values, after.Values));
                            break;
                        }
                    case UpdateMessage update:
                        {
                            var rel = relations[update.Relation.RelationId];
                            if (!Followed(rel)) { await DrainAsync(update.NewRow, ct).ConfigureAwait(false); break; }
                            var after = await DecodeAsync(lookup, update.NewRow, rel, ct).ConfigureAwait(false);
                            if (after.Unchanged.Count > 0 && !await FillUnchangedAsync(rel, after, lookup, ct).ConfigureAwait(false)) break;
                            rows.Add(new RowChange(rel.Name, ChangeKind.Update, null, after.Values));
                            break;
                        }
                    case FullDeleteMessage fullDelete:
                        {
                            var rel = relations[fullDelete.Relation.RelationId];
                            if (!Followed(rel)) { await DrainAsync(fullDelete.OldRow, ct).ConfigureAwait(false); break; }
                            var before = await DecodeAsync(lookup, fullDelete.OldRow, rel, ct).ConfigureAwait(false);
                            rows.Add(new RowChange(rel.Name, ChangeKind.Delete, before.Values, null));
                            break;
                        }
                    case KeyDeleteMessage keyDelete:
                        {
                            var rel = relations[keyDelete.Relation.RelationId];
                            if (!Followed(rel)) { await DrainAsync(keyDelete.Key, ct).ConfigureAwait(false); break; }
                            var key = await DecodeAsync(lookup, keyDelete.Key, rel, ct).ConfigureAwait(false);
                            rows.Add(new RowChange(rel.Name, ChangeKind.Delete, key.Values, null));
                            break;
                        }
                    case TruncateMessage truncate:
                        {
                            var tables = truncate.Relations.Select(r => relations[r.RelationId]).Where(InScope).Select(r => r.Name).ToList();
                            if (tables.Count == 0) break;
                            // rows before the truncate go first; both carry the position before this transaction, so
                            // resuming from either replays the whole transaction (idempotently) rather than half of it
                            var before = new LogPosition(handedOver.ToString());
                            if (rows.Count > 0) await writer.WriteAsync(new TransactionEvent(rows.ToList(), before, message.ServerClock), ct).ConfigureAwait(false);
                            rows.Clear();
                            var statement = "TRUNCATE TABLE " + string.Join(", ", tables.Select(PgIdentifier.Quote));
                            var plan = new DdlPlan(DdlKind.TruncateTable, tables.Select(t => new DdlTableRef(t, 0, 0)).ToList());
                            await writer.WriteAsync(new DdlEvent(tables[0].Database, statement, before, message.ServerClock, plan), ct).ConfigureAwait(false);
                            break;
                        }
                    case CommitMessage commit:
                        {
                            var position = new LogPosition(commit.TransactionEndLsn.ToString());
                            ChangeEvent e = rows.Count > 0
                                ? new TransactionEvent(rows.ToList(), position, commit.TransactionCommitTimestamp)
                                : new HeartbeatEvent(position, commit.TransactionCommitTimestamp);
                            rows.Clear();
                            await writer.WriteAsync(e, ct).ConfigureAwait(false);
                            handedOver = commit.TransactionEndLsn;
                            state.HandedOver(commit.TransactionEndLsn);
                            // only the first transaction can be the one the checkpoint stopped inside
                            if (applied.Count > 0)
                            {
                                applied.Clear();
                                foreach (var rel in relations.Values) rel.Applied = false;
                            }
                            break;
                        }
                }
            }
            writer.TryComplete();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e is FerryException ? e
                : new FerryException("cdc.read-failed", $"reading the change stream of {connection} failed: {e.Message}", e, transient: Failures.IsTransient(e)));
        }
        finally
        {
            if (lookup.Connection is not null) await lookup.Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A normal session beside the replication one, opened on the first TOAST lookup.</summary>
    private sealed class LookupSession { public NpgsqlConnection? Connection; }

    /// <summary>Reads a tuple of a table out of scope to its end: each message must be consumed before the next.</summary>
    private static async Task DrainAsync(ReplicationTuple tuple, CancellationToken ct)
    {
        await foreach (var value in tuple.ConfigureAwait(false))
            if (value.Kind is TupleDataKind.TextValue or TupleDataKind.BinaryValue) await value.Get<string>(ct).ConfigureAwait(false);
    }

    private sealed record Image(object?[] Values, List<int> Unchanged);

    /// <summary>A tuple in the relation's column order; every value must be read before the next message.</summary>
    private async Task<Image> DecodeAsync(LookupSession session, ReplicationTuple tuple, Relation rel, CancellationToken ct)
    {
        var table = await BindAsync(session, rel, ct).ConfigureAwait(false);
        var values = new object?[table.Columns.Count];
        var unchanged = new List<int>();
        var i = 0;
        await foreach (var value in tuple.ConfigureAwait(false))
        {
            var ordinal = rel.Ordinals![i];
            switch (value.Kind)
            {
                case TupleDataKind.Null:
                    break;
                case TupleDataKind.UnchangedToastedValue:
                    unchanged.Add(ordinal);
                    break;
                default:
                    values[ordinal] = PgTextValue.Decode(rel.Kinds[i], await value.Get<string>(ct).ConfigureAwait(false));
                    break;
            }
            i++;
        }
        return new Image(values, unchanged);
    }

    /// <summary>
    /// The table's definition and where each logged column stands in it. A logged column the table no longer has
    /// (or a table gone) means its definition changed after the change was logged: DDL is not in PostgreSQL's
    /// logical log, so the operator must bring the destination in line.
    /// </summary>
    private async Task<TableSchema> BindAsync(LookupSession session, Relation rel, CancellationToken ct)
    {
        if (rel.Table is { } bound) return bound;
        // only tables out of scope when their relation message came (relation messages bind the others)
        var lookup = session.Connection ??= await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false);
        var table = await PgSchemaReader.ReadTableAsync(lookup, rel.Name, ct).ConfigureAwait(false);
        var ordinals = rel.Columns.Select(c => table?.IndexOf(c) ?? -1).ToArray();
        if (table is null || ordinals.Contains(-1))
            throw new FerryException("cdc.schema-changed",
                $"the change log of {rel.Name} has columns ({string.Join(", ", rel.Columns)}) that the table no longer has: its definition changed (PostgreSQL does not log DDL); align the destination by hand and restart the stream");
        rel.Ordinals = ordinals;
        return rel.Table = table;
    }

    /// <summary>Reads unchanged TOASTed values from the source table by key; false when the row is gone (see the class remarks).</summary>
    private async Task<bool> FillUnchangedAsync(Relation rel, Image after, LookupSession session, CancellationToken ct)
    {
        var lookup = session.Connection ??= await PgSessions.OpenAsync(connection, ct).ConfigureAwait(false);
        var table = await BindAsync(session, rel, ct).ConfigureAwait(false);
        if (table.Key.Count == 0)
            throw new FerryException("cdc.replica-identity",
                $"an update of {rel.Name} left a large (TOASTed) value out and the table has no key to read it by: ALTER TABLE {PgIdentifier.Quote(rel.Name)} REPLICA IDENTITY FULL");
        var columns = after.Unchanged.Select(i => table.Columns[i]).ToList();
        var key = table.KeyOrdinals().Select(i => after.Values[i]).ToArray();
        var reader = new PgRowReader(columns);
        await using var cmd = new NpgsqlCommand(
            $"SELECT {reader.SelectList} FROM {PgIdentifier.Quote(rel.Name)} WHERE ({string.Join(", ", table.Key.Select(PgIdentifier.Quote))}) = {PgLiteral.Row(table, table.Key, key)}", lookup);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false)) return false;
        var values = reader.Read(r);
        for (var k = 0; k < after.Unchanged.Count; k++) after.Values[after.Unchanged[k]] = values[k];
        return true;
    }
}
