using System.Collections.Concurrent;
using Ferry.Engine.Connections;
using Ferry.Engine.Copy;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Schema;
using Ferry.PostgreSql.Snapshot;
using Npgsql;

namespace Ferry.PostgreSql.Writer;

/// <summary>
/// PostgreSQL → PostgreSQL with the source's own column types: a chunk's binary COPY out of the source is fed
/// as it is into a binary COPY into the target table, tuples counted on the way (<see cref="PgCopyTuples"/>) but
/// never decoded. One destination transaction first deletes the chunk's key range, so a chunk redone after a
/// crash replaces what its first attempt committed instead of doubling it (and a table without a key, one chunk,
/// is emptied first). Replay from P0 still converges: a row the chunk did not see because it was deleted later
/// is gone either way, and a row inserted or changed after the chunk's read comes again from the change stream.
/// </summary>
public sealed partial class PostgreSqlDestination : IPassThroughDestination
{
    /// <summary>
    /// pg_catalog types whose binary form carries no object id and no session setting, so that the bytes one
    /// server sends are the bytes another takes; arrays of them carry only the element's fixed built-in id.
    /// Enums, domains, composites and extension types go the decoding path, and so does money, whose binary
    /// form is in units of the server's lc_monetary.
    /// </summary>
    private static readonly HashSet<string> PassThroughTypes = new(StringComparer.Ordinal)
    {
        "bool", "bytea", "char", "name", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar",
        "bpchar", "date", "time", "timetz", "timestamp", "timestamptz", "interval", "uuid", "json", "jsonb", "xml",
        "inet", "cidr", "macaddr", "macaddr8", "bit", "varbit", "oid", "point", "line", "lseg", "box", "path", "polygon",
        "circle", "tsvector", "tsquery", "pg_lsn",
    };

    /// <summary>Per target table: whether its columns take the source's binary form (checked once per copy).</summary>
    private readonly ConcurrentDictionary<TableName, Task<bool>> _targetMatches = new();

    /// <summary>
    /// Key types whose order does not depend on a collation: the chunk's range is deleted on the destination, which
    /// must find exactly the rows the source's range holds (a text key would compare by the destination's collation).
    /// </summary>
    private static bool CollationFree(ColumnSchema col) => col.DataType is not ("text" or "varchar" or "bpchar" or "name" or "char");

    /// <summary>
    /// The target as it is (created by the schema stage, or by the operator): every written column there with the
    /// source's type (typmods may differ: the binary form does not carry them, the server applies the target's),
    /// and not generated. Anything else goes the decoding path, which casts in SQL.
    /// </summary>
    private async Task<bool> TargetMatchesAsync(TableMapping mapping, int[] columns, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        var target = await PgSchemaReader.ReadTableAsync(c, mapping.Target, ct).ConfigureAwait(false);
        if (target is null) return false;
        return columns.All(i =>
        {
            var col = mapping.Source.Columns[i];
            var at = target.IndexOf(col.Name);
            return at >= 0 && target.Columns[at].DataType == col.DataType && !target.Columns[at].IsGenerated;
        });
    }

    private static bool PassesThrough(ColumnSchema col) =>
        PassThroughTypes.Contains(col.DataType) || (col.DataType.StartsWith('_') && PassThroughTypes.Contains(col.DataType[1..]));

    public async Task<long?> TryCopyChunkAsync(ISnapshotSource source, TableMapping mapping, KeyRange range, CancellationToken ct)
    {
        var table = mapping.Source;
        if (source is not PostgreSqlSnapshotSource pg || _types is not SameEngineTypeMapper || mapping.Filter is not null) return null;
        var columns = WritableColumns(table);
        if (columns.Length == 0 || !columns.All(i => PassesThrough(table.Columns[i])) ||
            !table.KeyOrdinals().All(i => CollationFree(table.Columns[i]))) return null;
        var check = _targetMatches.GetOrAdd(mapping.Target, _ => TargetMatchesAsync(mapping, columns, ct));
        try
        {
            if (!await check.ConfigureAwait(false)) return null;
        }
        catch
        {
            // a failed look (a lost session) is not remembered: the next chunk asks again
            _targetMatches.TryRemove(KeyValuePair.Create(mapping.Target, check));
            throw;
        }

        var list = string.Join(", ", columns.Select(i => PgIdentifier.Quote(table.Columns[i].Name)));
        var conditions = PostgreSqlSnapshotSource.RangeConditions(table, range);
        var where = conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : string.Empty;
        var select = $"SELECT {list} FROM {PgIdentifier.Quote(table.Name)}{where}" +
                     (table.Key.Count > 0 ? " ORDER BY " + PostgreSqlSnapshotSource.OrderByKey(table) : string.Empty);
        var target = PgIdentifier.Quote(mapping.Target);

        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        // the key bounds are typed literals of the source's key types, which the target has too
        await PgSessions.ExecuteAsync(c, $"DELETE FROM {target}{where}", ct, tx).ConfigureAwait(false);

        var tuples = new PgCopyTuples(columns.Length);
        await using (var s = await PgSessions.OpenAsync(pg.Connection, ct).ConfigureAwait(false))
        {
            await using var export = await s.BeginRawBinaryCopyAsync($"COPY ({select}) TO STDOUT (FORMAT BINARY)", ct).ConfigureAwait(false);
            var import = await c.BeginRawBinaryCopyAsync($"COPY {target} ({list}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
            try
            {
                var buffer = new byte[64 * 1024];
                int n;
                while ((n = await export.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    tuples.Feed(buffer.AsSpan(0, n));
                    await import.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                }
                if (!tuples.Complete) throw new InvalidDataException($"the binary COPY of {table.Name} ended before its trailer");
            }
            catch
            {
                // the transaction is never committed; cancelling keeps the server from reading a cut tuple as an error of its own
                try { await import.CancelAsync().ConfigureAwait(false); } catch (Exception) { }
                await import.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            await import.DisposeAsync().ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return tuples.Tuples;
    }
}
