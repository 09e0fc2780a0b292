using System.Text;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using MySqlConnector;

namespace Ferry.MySql.Writer;

/// <summary>
/// Turns row changes into idempotent statements inside one transaction: upserts
/// (<c>INSERT … ON DUPLICATE KEY UPDATE</c> with the full after image) and deletes by key.
/// Consecutive changes of one kind to one table become one multi-row statement; order between
/// groups is the log order, so every key sees its changes in sequence.
/// </summary>
internal sealed class ChangeBatchWriter(MySqlConnection conn, MySqlTransaction tx)
{
    private const int MaxRows = 1_000;
    private const int MaxParameters = 30_000;

    private enum Op { Upsert, Delete }

    private TableMapping? _table;
    private Op _op;
    private readonly List<object?[]> _rows = [];

    public async Task AddAsync(TableMapping mapping, RowChange change, CancellationToken ct)
    {
        if (mapping.Source.Key.Count == 0)
        {
            await FlushAsync(ct);
            await KeylessAsync(mapping, change, ct);
            return;
        }
        switch (change.Kind)
        {
            case ChangeKind.Insert:
                await AddAsync(mapping, Op.Upsert, change.After!, ct);
                break;
            case ChangeKind.Delete:
                await AddAsync(mapping, Op.Delete, change.Before!, ct);
                break;
            case ChangeKind.Update:
                var key = mapping.Source.KeyOrdinals();
                if (key.Any(k => !Equals(RowValues.Canonical(change.Before![k]), RowValues.Canonical(change.After![k]))))
                    await AddAsync(mapping, Op.Delete, change.Before!, ct);
                await AddAsync(mapping, Op.Upsert, change.After!, ct);
                break;
        }
    }

    private async Task AddAsync(TableMapping mapping, Op op, object?[] row, CancellationToken ct)
    {
        var width = op == Op.Upsert ? mapping.Source.Columns.Count : mapping.Source.Key.Count;
        if (_table != mapping || _op != op || _rows.Count >= MaxRows || (_rows.Count + 1) * width > MaxParameters)
            await FlushAsync(ct);
        _table = mapping;
        _op = op;
        _rows.Add(row);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_table is null || _rows.Count == 0) return;
        await using var cmd = new MySqlCommand { Connection = conn, Transaction = tx };
        cmd.CommandText = _op == Op.Upsert ? Upsert(_table, _rows, cmd) : Delete(_table, _rows, cmd);
        await cmd.ExecuteNonQueryAsync(ct);
        _rows.Clear();
    }

    private static string Upsert(TableMapping m, List<object?[]> rows, MySqlCommand cmd)
    {
        var cols = m.Source.Columns.Select((c, i) => (c, i)).Where(x => !x.c.IsGenerated).ToArray();
        var sb = new StringBuilder("INSERT INTO ").Append(MySqlSessions.Q(m.Target)).Append(" (")
            .Append(string.Join(", ", cols.Select(x => MySqlSessions.Q(x.c.Name)))).Append(") VALUES ");
        for (var r = 0; r < rows.Count; r++)
        {
            if (r > 0) sb.Append(", ");
            sb.Append('(');
            for (var n = 0; n < cols.Length; n++)
            {
                if (n > 0) sb.Append(", ");
                var p = $"@p{r}_{n}";
                cmd.Parameters.AddWithValue(p, ParameterValue.Of(rows[r][cols[n].i]));
                sb.Append(cols[n].c.DataType == "bit" ? $"CAST({p} AS UNSIGNED)" : p);
            }
            sb.Append(')');
        }
        var keys = m.Source.Key.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var updates = cols.Where(x => !keys.Contains(x.c.Name)).Select(x => $"{MySqlSessions.Q(x.c.Name)} = VALUES({MySqlSessions.Q(x.c.Name)})").ToList();
        // A table of key columns only still needs a no-op update clause to be idempotent.
        if (updates.Count == 0) updates.Add($"{MySqlSessions.Q(cols[0].c.Name)} = {MySqlSessions.Q(cols[0].c.Name)}");
        return sb.Append(" ON DUPLICATE KEY UPDATE ").Append(string.Join(", ", updates)).ToString();
    }

    private static string Delete(TableMapping m, List<object?[]> rows, MySqlCommand cmd)
    {
        var key = m.Source.KeyOrdinals();
        var conditions = rows.Select((row, r) => KeyPredicate.Equal(m.Source.Key, key.Select(k => row[k]).ToArray(), cmd, $"d{r}_"));
        return $"DELETE FROM {MySqlSessions.Q(m.Target)} WHERE {string.Join(" OR ", conditions)}";
    }

    /// <summary>Tables without a usable key: rows are matched on every column (NULL-safe), one row at a time.</summary>
    private async Task KeylessAsync(TableMapping m, RowChange change, CancellationToken ct)
    {
        var cols = m.Source.Columns.Select((c, i) => (c, i)).Where(x => !x.c.IsGenerated).ToArray();
        await using var cmd = new MySqlCommand { Connection = conn, Transaction = tx };
        string Match(object?[] row) => string.Join(" AND ", cols.Select(x =>
            $"{MySqlSessions.Q(x.c.Name)} <=> {KeyPredicate.Param(cmd, $"w{x.i}", row[x.i])}"));
        string Values(object?[] row) => string.Join(", ", cols.Select(x => KeyPredicate.Param(cmd, $"v{x.i}", row[x.i])));
        var names = string.Join(", ", cols.Select(x => MySqlSessions.Q(x.c.Name)));
        cmd.CommandText = change.Kind switch
        {
            ChangeKind.Insert => $"INSERT INTO {MySqlSessions.Q(m.Target)} ({names}) VALUES ({Values(change.After!)})",
            ChangeKind.Delete => $"DELETE FROM {MySqlSessions.Q(m.Target)} WHERE {Match(change.Before!)} LIMIT 1",
            _ => $"UPDATE {MySqlSessions.Q(m.Target)} SET " +
                 string.Join(", ", cols.Select(x => $"{MySqlSessions.Q(x.c.Name)} = {KeyPredicate.Param(cmd, $"v{x.i}", change.After![x.i])}")) +
                 $" WHERE {Match(change.Before!)} LIMIT 1",
        };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
