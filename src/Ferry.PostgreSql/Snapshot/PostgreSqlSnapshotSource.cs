using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Ferry.Engine.Connections;
using Ferry.Engine.Copy;
using Ferry.Engine.Filters;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Schema;
using Npgsql;

namespace Ferry.PostgreSql.Snapshot;

/// <summary>
/// Reads schema and rows of one PostgreSQL database (a data source names one database; its schemas are
/// Ferry's "databases"). Chunks are read with binary COPY of a SELECT, the fastest path out of the server.
/// </summary>
public sealed class PostgreSqlSnapshotSource(ConnectionInfo connection) : ISnapshotSource
{
    /// <summary>Keys per statement when reading rows by key.</summary>
    private const int KeysPerRead = 500;

    /// <summary>Rows per statement when judging row images: keeps parameters well under the 65535 limit.</summary>
    private const int RowsPerMatch = 200;

    private Task<NpgsqlConnection> OpenAsync(CancellationToken ct) => PgSessions.OpenAsync(connection, ct);

    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await PgSchemaReader.ListSchemasAsync(c, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListTablesAsync(string database, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await PgSchemaReader.ListTablesAsync(c, database, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListViewsAsync(string database, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await PgSchemaReader.ListViewsAsync(c, database, ct).ConfigureAwait(false);
    }

    public async Task<ViewSchema?> ReadViewAsync(TableName view, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await PgSchemaReader.ReadViewAsync(c, view, ct).ConfigureAwait(false);
    }

    public async Task<TableSchema?> ReadTableAsync(TableName table, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await PgSchemaReader.ReadTableAsync(c, table, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<IdentityValue>> ReadIdentityValuesAsync(TableName table, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await PgSchemaReader.ReadIdentityValuesAsync(c, table, ct).ConfigureAwait(false);
    }

    public async Task<long> EstimateRowsAsync(TableName table, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await PgSchemaReader.EstimateRowsAsync(c, table, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Walks the key: each boundary is the key <paramref name="rowsPerChunk"/> rows after the previous one, the
    /// last chunk open-ended so rows inserted past the end while planning are covered. Keys of a type whose
    /// values do not survive the wire form or whose ordering is not plain give one chunk.
    /// </summary>
    public async Task<IReadOnlyList<KeyRange>> PlanChunksAsync(TableSchema table, int rowsPerChunk, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerChunk, 1);
        if (table.Key.Count == 0) return [new KeyRange(null, null)];
        var keyColumns = table.KeyOrdinals().Select(i => table.Columns[i]).ToList();
        if (!keyColumns.All(PgWire.Splittable)) return [new KeyRange(null, null)];

        var reader = new PgRowReader(keyColumns);
        var chunks = new List<KeyRange>();
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        object?[]? after = null;
        while (true)
        {
            var where = after is null ? string.Empty : " WHERE " + KeyAfter(table, after);
            var sql = $"SELECT {reader.SelectList} FROM {PgIdentifier.Quote(table.Name)}{where} ORDER BY {OrderBy(table)} " +
                      $"LIMIT 1 OFFSET {(rowsPerChunk - 1).ToString(CultureInfo.InvariantCulture)}";
            object?[]? upTo = null;
            await using (var cmd = new NpgsqlCommand(sql, c))
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
                if (await r.ReadAsync(ct).ConfigureAwait(false)) upTo = reader.Read(r);
            chunks.Add(new KeyRange(after, upTo));
            if (upTo is null) return chunks;
            after = upTo;
        }
    }

    public async IAsyncEnumerable<object?[]> ReadChunkAsync(TableSchema table, KeyRange range, [EnumeratorCancellation] CancellationToken ct, RowFilter? filter = null)
    {
        var conditions = RangeConditions(table, range);
        if (filter is not null) conditions.Add(filter.Render(new PostgreSqlFilterDialect(table)));
        var reader = new PgRowReader(table.Columns);
        // COPY takes no parameters: key bounds are typed literals (PgLiteral), the filter is rendered from its parse tree
        var select = $"SELECT {reader.SelectList} FROM {PgIdentifier.Quote(table.Name)}" +
                     (conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : string.Empty) +
                     (table.Key.Count > 0 ? " ORDER BY " + OrderBy(table) : string.Empty);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var export = await c.BeginBinaryExportAsync($"COPY ({select}) TO STDOUT (FORMAT BINARY)", ct).ConfigureAwait(false);
        while (await export.StartRowAsync(ct).ConfigureAwait(false) >= 0)
            yield return await reader.ReadAsync(export, ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<object?[]> ReadRowsAsync(TableSchema table, IReadOnlyList<object?[]> keys, [EnumeratorCancellation] CancellationToken ct, RowFilter? filter = null)
    {
        if (table.Key.Count == 0) throw new InvalidOperationException($"{table.Name} has no key: rows cannot be read by key");
        if (keys.Count == 0) yield break;
        var reader = new PgRowReader(table.Columns);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        for (var start = 0; start < keys.Count; start += KeysPerRead)
        {
            var tuples = keys.Skip(start).Take(KeysPerRead).Select(k => PgLiteral.Row(table, table.Key, k));
            var sql = $"SELECT {reader.SelectList} FROM {PgIdentifier.Quote(table.Name)} WHERE ({KeyList(table)}) IN ({string.Join(", ", tuples)})" +
                      (filter is null ? string.Empty : " AND " + filter.Render(new PostgreSqlFilterDialect(table))) +
                      " ORDER BY " + OrderBy(table);
            await using var cmd = new NpgsqlCommand(sql, c);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) yield return reader.Read(r);
        }
    }

    /// <summary>
    /// The images become a derived table (<c>VALUES</c>) whose columns are parameters cast to the table's own
    /// types and collations, and the server runs the rendered filter over it: the same comparison rules the
    /// full copy's pushed-down filter used on the stored rows.
    /// </summary>
    public async Task<bool[]> MatchAsync(TableSchema table, RowFilter filter, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        var result = new bool[rows.Count];
        if (rows.Count == 0) return result;
        var ordinals = filter.Columns.Select(name => table.IndexOf(name)).Distinct().ToArray();
        var where = filter.Render(new PostgreSqlFilterDialect(table));
        var names = "\"__ferry_n\"" + string.Concat(ordinals.Select(o => ", " + PgIdentifier.Quote(table.Columns[o].Name)));
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        for (var start = 0; start < rows.Count; start += RowsPerMatch)
        {
            var end = Math.Min(rows.Count, start + RowsPerMatch);
            await using var cmd = new NpgsqlCommand { Connection = c };
            var sb = new StringBuilder("SELECT \"__ferry_n\" FROM (VALUES ");
            for (var r = start; r < end; r++)
            {
                if (r > start) sb.Append(", ");
                sb.Append('(').Append(r.ToString(CultureInfo.InvariantCulture));
                foreach (var o in ordinals)
                {
                    var col = table.Columns[o];
                    cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = PgWire.DbType(PgWire.Of(col)), Value = PgWire.Parameter(rows[r][o], PgWire.Of(col)) });
                    sb.Append(", ").Append(PgWire.ToColumnType(col, "$" + cmd.Parameters.Count.ToString(CultureInfo.InvariantCulture)));
                }
                sb.Append(')');
            }
            sb.Append(") AS \"__ferry_rows\" (").Append(names).Append(") WHERE ").Append(where);
            cmd.CommandText = sb.ToString();
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) result[reader.GetInt32(0)] = true;
        }
        return result;
    }

    /// <summary>The session settings and server of this source, for <see cref="Writer.PostgreSqlDestination"/>'s pass-through copy.</summary>
    internal ConnectionInfo Connection => connection;

    /// <summary>The conditions that select the rows of <paramref name="range"/> (none for a table without a key: it is one chunk).</summary>
    internal static List<string> RangeConditions(TableSchema table, KeyRange range)
    {
        var conditions = new List<string>();
        if (table.Key.Count == 0) return conditions;
        if (range.After is not null) conditions.Add(KeyAfter(table, range.After));
        if (range.UpTo is not null) conditions.Add($"({KeyList(table)}) <= {PgLiteral.Row(table, table.Key, range.UpTo)}");
        return conditions;
    }

    /// <summary>The ordering of a chunk's read: by key, so the server walks the key's index over the range.</summary>
    internal static string OrderByKey(TableSchema table) => OrderBy(table);

    private static string KeyList(TableSchema table) => string.Join(", ", table.Key.Select(PgIdentifier.Quote));

    /// <summary>
    /// The key columns qualified by the table: a bare name in ORDER BY means the output column of that name, which
    /// is the wire form (<c>"id"::int8</c>, <c>"n"::text</c>), so the server would sort every row of the range instead
    /// of walking the key's index (and text order is not the key's order).
    /// </summary>
    private static string OrderBy(TableSchema table) =>
        string.Join(", ", table.Key.Select(k => PgIdentifier.Quote(table.Name) + "." + PgIdentifier.Quote(k)));

    /// <summary>A row comparison over the key, which PostgreSQL answers from a btree index on it.</summary>
    private static string KeyAfter(TableSchema table, object?[] after) => $"({KeyList(table)}) > {PgLiteral.Row(table, table.Key, after)}";
}
