using System.Data;
using System.Text;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using MySqlConnector;

namespace Ferry.MySql.Writer;

/// <summary>
/// Writes to a MySQL-family destination: tables from the source's DDL, bulk loads with
/// <c>LOAD DATA</c> (REPLACE, so a redone chunk is harmless), and change batches applied by key in
/// one transaction together with their checkpoint row.
/// </summary>
public sealed class MySqlDestination(ConnectionInfo connection) : IDestination
{
    private const int BulkBatchRows = 5_000;
    private const string CheckpointTable = "`__ferry`.`ferry_checkpoint`";
    private volatile bool _checkpointReady;

    public async Task<string> CreateTableAsync(TableMapping mapping, CancellationToken ct)
    {
        var ddl = TableDdl.CreateFor(mapping);
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await using (var db = new MySqlCommand($"CREATE DATABASE IF NOT EXISTS {MySqlSessions.Q(mapping.Target.Database)} CHARACTER SET utf8mb4", conn))
            await db.ExecuteNonQueryAsync(ct);
        await using var cmd = new MySqlCommand(ddl, conn);
        await cmd.ExecuteNonQueryAsync(ct);
        return ddl;
    }

    public async Task<long> BulkLoadAsync(TableMapping mapping, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
    {
        var columns = mapping.Source.Columns;
        var written = columns.Select((c, i) => (c, i)).Where(x => !x.c.IsGenerated).ToArray();
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        var table = new DataTable();
        foreach (var (c, _) in written) table.Columns.Add(c.Name, typeof(object));
        var bulk = new MySqlBulkCopy(conn)
        {
            DestinationTableName = MySqlSessions.Q(mapping.Target),
            ConflictOption = MySqlBulkLoaderConflictOption.Replace,
            BulkCopyTimeout = 0,
        };
        for (var n = 0; n < written.Length; n++)
        {
            var c = written[n].c;
            bulk.ColumnMappings.Add(c.DataType == "bit"
                ? new MySqlBulkCopyColumnMapping(n, $"@v{n}", $"{MySqlSessions.Q(c.Name)} = CAST(@v{n} AS UNSIGNED)")
                : new MySqlBulkCopyColumnMapping(n, c.Name)); // MySqlBulkCopy quotes plain column names itself
        }
        long total = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            var values = new object[written.Length];
            for (var n = 0; n < written.Length; n++) values[n] = ParameterValue.Of(row[written[n].i]);
            table.Rows.Add(values);
            if (table.Rows.Count >= BulkBatchRows) total += await FlushAsync();
        }
        total += await FlushAsync();
        return total;

        async Task<long> FlushAsync()
        {
            if (table.Rows.Count == 0) return 0;
            var result = await bulk.WriteToServerAsync(table, ct);
            if (result.Warnings.Count > 0)
                throw new Engine.Errors.FerryException("full.load-warning",
                    $"loading {mapping.Target} changed values: {string.Join("; ", result.Warnings.Take(3).Select(w => w.Message))}");
            var n = table.Rows.Count;
            table.Clear();
            return n;
        }
    }

    public async Task<LogPosition?> ReadCheckpointAsync(string stream, CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await EnsureCheckpointTableAsync(conn, ct);
        await using var cmd = new MySqlCommand($"SELECT position FROM {CheckpointTable} WHERE stream = @s", conn);
        cmd.Parameters.AddWithValue("@s", stream);
        return await cmd.ExecuteScalarAsync(ct) is string p ? new LogPosition(p) : null;
    }

    public async Task WriteCheckpointAsync(string stream, LogPosition checkpoint, CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await EnsureCheckpointTableAsync(conn, ct);
        await UpsertCheckpointAsync(conn, null, stream, checkpoint, ct);
    }

    public async Task DeleteCheckpointAsync(string stream, CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await EnsureCheckpointTableAsync(conn, ct);
        await using var cmd = new MySqlCommand($"DELETE FROM {CheckpointTable} WHERE stream = @s", conn);
        cmd.Parameters.AddWithValue("@s", stream);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task ApplyAsync(IReadOnlyList<TransactionEvent> transactions, Func<TableName, TableMapping?> map,
        string stream, LogPosition checkpoint, CancellationToken ct)
    {
        await using var conn = await MySqlSessions.OpenAsync(connection, ct);
        await EnsureCheckpointTableAsync(conn, ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var applier = new ChangeBatchWriter(conn, tx);
        foreach (var t in transactions)
            foreach (var change in t.Rows)
                if (map(change.Table) is { } mapping) await applier.AddAsync(mapping, change, ct);
        await applier.FlushAsync(ct);
        await UpsertCheckpointAsync(conn, tx, stream, checkpoint, ct);
        await tx.CommitAsync(ct);
    }

    private static async Task UpsertCheckpointAsync(MySqlConnection conn, MySqlTransaction? tx, string stream, LogPosition position, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand(
            $"INSERT INTO {CheckpointTable} (stream, position, updated_at) VALUES (@s, @p, UTC_TIMESTAMP(6)) " +
            "ON DUPLICATE KEY UPDATE position = VALUES(position), updated_at = VALUES(updated_at)", conn, tx);
        cmd.Parameters.AddWithValue("@s", stream);
        cmd.Parameters.AddWithValue("@p", position.Value);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task EnsureCheckpointTableAsync(MySqlConnection conn, CancellationToken ct)
    {
        if (_checkpointReady) return;
        await using var cmd = new MySqlCommand(
            "CREATE DATABASE IF NOT EXISTS `__ferry` CHARACTER SET utf8mb4; " +
            $"CREATE TABLE IF NOT EXISTS {CheckpointTable} (stream VARCHAR(200) NOT NULL PRIMARY KEY, position TEXT NOT NULL, " +
            "updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", conn);
        await cmd.ExecuteNonQueryAsync(ct);
        _checkpointReady = true;
    }
}
