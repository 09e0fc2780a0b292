using System.Runtime.CompilerServices;
using Ferry.Engine.Connections;
using Ferry.Engine.Copy;
using Ferry.Engine.Filters;
using Ferry.Engine.Schema;
using Ferry.MySql.Schema;
using MySqlConnector;

namespace Ferry.MySql.Snapshot;

/// <summary>Reads schema and rows of a MySQL-family server for the full copy and verification.</summary>
public sealed class MySqlSnapshotSource(ConnectionInfo connection) : ISnapshotSource
{
    /// <summary>Keys per statement when reading rows by key.</summary>
    private const int KeysPerRead = 500;

    private Task<MySqlConnection> OpenAsync(CancellationToken ct) => MySqlSessions.OpenAsync(connection, forWriting: false, ct);

    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await MySqlSchemaReader.ListDatabasesAsync(c, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListTablesAsync(string database, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await MySqlSchemaReader.ListTablesAsync(c, database, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListViewsAsync(string database, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await MySqlSchemaReader.ListViewsAsync(c, database, ct).ConfigureAwait(false);
    }

    public async Task<ViewSchema?> ReadViewAsync(TableName view, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await MySqlSchemaReader.ReadViewAsync(c, view, ct).ConfigureAwait(false);
    }

    public async Task<TableSchema?> ReadTableAsync(TableName table, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await MySqlSchemaReader.ReadTableAsync(c, table, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<IdentityValue>> ReadIdentityValuesAsync(TableName table, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await MySqlSchemaReader.ReadIdentityValuesAsync(c, table, ct).ConfigureAwait(false);
    }

    public async Task<long> EstimateRowsAsync(TableName table, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await MySqlSchemaReader.EstimateRowsAsync(c, table, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Walks the key index: each boundary is the key <paramref name="rowsPerChunk"/> rows after the previous
    /// one, so chunks are exact in size whatever the key type or distribution, and the last chunk is open-ended
    /// so rows inserted past the end while planning are still covered.
    /// </summary>
    public async Task<IReadOnlyList<KeyRange>> PlanChunksAsync(TableSchema table, int rowsPerChunk, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerChunk, 1);
        if (table.Key.Count == 0) return [new KeyRange(null, null)];
        // ENUM/SET sort by their ordinal but compare with a string as text: ranges could skip rows, so no split
        if (table.KeyOrdinals().Any(i => table.Columns[i].DataType is "enum" or "set")) return [new KeyRange(null, null)];

        var reader = new MySqlRowReader(table.KeyOrdinals().Select(i => table.Columns[i]).ToList());
        var keyList = string.Join(", ", table.Key.Select(MySqlIdentifier.Quote));
        var chunks = new List<KeyRange>();
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        object?[]? after = null;
        while (true)
        {
            await using var cmd = new MySqlCommand { Connection = c };
            var where = after is null ? string.Empty : " WHERE " + KeyPredicate.Compare(table, after, ">", "a", cmd.Parameters);
            cmd.CommandText = $"SELECT {keyList} FROM {MySqlIdentifier.Quote(table.Name)}{where} ORDER BY {keyList} LIMIT 1 OFFSET {rowsPerChunk - 1}";
            object?[]? upTo = null;
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
                if (await r.ReadAsync(ct).ConfigureAwait(false)) upTo = reader.Read(r);
            chunks.Add(new KeyRange(after, upTo));
            if (upTo is null) return chunks;
            after = upTo;
        }
    }

    public async IAsyncEnumerable<object?[]> ReadChunkAsync(TableSchema table, KeyRange range, [EnumeratorCancellation] CancellationToken ct, RowFilter? filter = null)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new MySqlCommand { Connection = c };
        cmd.CommandText = SelectColumns(table) + Where(table, range, filter, cmd.Parameters) +
                          (table.Key.Count > 0 ? " ORDER BY " + KeyPredicate.OrderBy(table) : string.Empty);
        var reader = new MySqlRowReader(table.Columns);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) yield return reader.Read(r);
    }

    private static string Where(TableSchema table, KeyRange range, RowFilter? filter, MySqlParameterCollection parameters)
    {
        var conditions = new List<string>();
        if (table.Key.Count > 0)
        {
            if (range.After is not null) conditions.Add(KeyPredicate.Compare(table, range.After, ">", "a", parameters));
            if (range.UpTo is not null) conditions.Add(KeyPredicate.Compare(table, range.UpTo, "<=", "u", parameters));
        }
        if (filter is not null) conditions.Add(filter.Render(MySqlFilterDialect.Instance));
        return conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : string.Empty;
    }

    /// <summary>
    /// Each row's text joins its columns' server text with commas: numbers and times as they are (they hold no comma),
    /// strings and bytes length-prefixed, NULL as <c>N</c>, so the text spells one tuple only. That text is the one the
    /// row reader is sent for each column (CHAR without its trailing spaces, TIMESTAMP in the session's UTC, BIT as its
    /// number), so equal texts read as equal values. The chunk's hash is the XOR over its rows of two independent
    /// checksums of the text (CRC-32 and CRC-32C: 64 bits per row), with the row count. Strings are hashed in their
    /// stored bytes, so the dialect names each column's type and charset: two sides digest alike only with the same ones.
    /// FLOAT, DOUBLE and types read otherwise are not digested: such tables are compared row by row.
    /// </summary>
    public async Task<ChunkDigest?> DigestChunkAsync(TableSchema table, KeyRange range, IReadOnlyList<string> columns, CancellationToken ct, RowFilter? filter = null)
    {
        var fields = new List<string>(columns.Count);
        var dialect = new System.Text.StringBuilder("mysql-crc-v1");
        foreach (var name in columns)
        {
            var index = table.IndexOf(name);
            if (index < 0 || DigestText(table.Columns[index]) is not { } text) return null;
            fields.Add(text);
            dialect.Append(' ').Append(table.Columns[index].DataType).Append('/').Append(table.Columns[index].Charset ?? "-");
        }
        if (fields.Count == 0) return null;
        var row = $"CONCAT_WS(',', {string.Join(", ", fields)})";
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new MySqlCommand { Connection = c };
        cmd.CommandText = $"SELECT COUNT(*), BIT_XOR(CRC32({row})), BIT_XOR(CRC32C({row})) FROM {MySqlIdentifier.Quote(table.Name)}" +
                          Where(table, range, filter, cmd.Parameters);
        MySqlDataReader r;
        try { r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false); }
        // CRC32C() is MariaDB's from 10.8 (MySQL has none), and the row text of a table with columns in two
        // non-Unicode character sets is an illegal mix of collations: the digest is only a shortcut, rows are compared instead
        catch (MySqlException e) when (e.ErrorCode is MySqlErrorCode.StoredProcedureDoesNotExist or MySqlErrorCode.ParseError
                                       || e.Number is 1267 or 1270 or 1271) { return null; }
        await using var _ = r;
        if (!await r.ReadAsync(ct).ConfigureAwait(false)) return null;
        var rows = r.GetInt64(0);
        var hash = rows == 0 ? "" : $"{r.GetUInt64(1):x8}{r.GetUInt64(2):x8}";
        return new ChunkDigest(dialect.Append(' ').Append(c.ServerVersion).ToString(), rows, hash);
    }

    /// <summary>A column's part of the digested row text, or null when the column is not digested.</summary>
    private static string? DigestText(ColumnSchema column)
    {
        var name = MySqlIdentifier.Quote(column.Name);
        var binary = string.Equals(column.Charset, "binary", StringComparison.OrdinalIgnoreCase);
        var plain = column.DataType switch
        {
            "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "bigint" or "year" or "decimal" or "numeric"
                or "date" or "datetime" or "timestamp" or "time" => name,
            "bit" => $"({name} + 0)",
            _ => null,
        };
        if (plain is not null) return column.IsNullable ? $"IFNULL({plain}, 'N')" : plain;
        var text = column.DataType switch
        {
            "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set" or "json"
                or "binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob" => $"CONCAT(LENGTH({name}), ':', {name})",
            _ => null,
        };
        if (text is null || (!binary && column.Charset is null && column.DataType is not ("binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob")))
            return null;
        return column.IsNullable ? $"IFNULL({text}, 'N')" : text;
    }

    public async IAsyncEnumerable<object?[]> ReadRowsAsync(TableSchema table, IReadOnlyList<object?[]> keys, [EnumeratorCancellation] CancellationToken ct, RowFilter? filter = null)
    {
        if (table.Key.Count == 0) throw new InvalidOperationException($"{table.Name} has no key: rows cannot be read by key");
        if (keys.Count == 0) yield break;
        var reader = new MySqlRowReader(table.Columns);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        for (var start = 0; start < keys.Count; start += KeysPerRead)
        {
            await using var cmd = new MySqlCommand { Connection = c };
            var ors = new List<string>();
            for (var k = start; k < Math.Min(keys.Count, start + KeysPerRead); k++)
                ors.Add(KeyPredicate.Equal(table, table.Key, keys[k], $"k{k - start}_", cmd.Parameters));
            var where = "(" + string.Join(" OR ", ors) + ")" + (filter is null ? string.Empty : " AND " + filter.Render(MySqlFilterDialect.Instance));
            cmd.CommandText = SelectColumns(table) + " WHERE " + where + " ORDER BY " + KeyPredicate.OrderBy(table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) yield return reader.Read(r);
        }
    }

    public async Task<bool[]> MatchAsync(TableSchema table, RowFilter filter, IReadOnlyList<object?[]> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await FilterMatcher.MatchAsync(c, table, filter, rows, ct).ConfigureAwait(false);
    }

    /// <remarks>
    /// FLOAT goes through DOUBLE: the text protocol sends a FLOAT with 6 significant digits (FLT_DIG), which is not
    /// the stored float32; widened to DOUBLE it is sent exactly, and narrowing it back gives the stored value again.
    /// </remarks>
    private static string SelectColumns(TableSchema table) =>
        "SELECT " + string.Join(", ", table.Columns.Select(col => col.DataType == "float"
            ? $"CAST({MySqlIdentifier.Quote(col.Name)} AS DOUBLE) AS {MySqlIdentifier.Quote(col.Name)}"
            : MySqlIdentifier.Quote(col.Name))) + " FROM " + MySqlIdentifier.Quote(table.Name);
}
