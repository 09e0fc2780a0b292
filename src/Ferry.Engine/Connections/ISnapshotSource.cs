using Ferry.Engine.Copy;
using Ferry.Engine.Filters;
using Ferry.Engine.Schema;

namespace Ferry.Engine.Connections;

/// <summary>Reads a source's schema and table contents (full copy and verification).</summary>
public interface ISnapshotSource
{
    /// <summary>Databases (schemas) visible to the user, without the engine's system ones.</summary>
    Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct);

    /// <summary>Base tables of a database.</summary>
    Task<IReadOnlyList<string>> ListTablesAsync(string database, CancellationToken ct);

    /// <summary>Views of a database.</summary>
    Task<IReadOnlyList<string>> ListViewsAsync(string database, CancellationToken ct) => Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>A view's definition, or null when it does not exist.</summary>
    Task<ViewSchema?> ReadViewAsync(TableName view, CancellationToken ct) => Task.FromResult<ViewSchema?>(null);

    /// <summary>A table's definition, or null when it does not exist.</summary>
    Task<TableSchema?> ReadTableAsync(TableName table, CancellationToken ct);

    /// <summary>The engine's row count estimate (statistics, not a count).</summary>
    Task<long> EstimateRowsAsync(TableName table, CancellationToken ct);

    /// <summary>Splits a table into consecutive key ranges of about <paramref name="rowsPerChunk"/> rows covering every row.</summary>
    Task<IReadOnlyList<KeyRange>> PlanChunksAsync(TableSchema table, int rowsPerChunk, CancellationToken ct);

    /// <summary>
    /// Rows of one chunk in key order, every column of <paramref name="table"/> in ordinal order, as
    /// <see cref="Changes.RowValues"/> types; with <paramref name="filter"/>, only the rows it accepts
    /// (it may read any column of the stored table, also ones <paramref name="table"/> leaves out).
    /// </summary>
    IAsyncEnumerable<object?[]> ReadChunkAsync(TableSchema table, KeyRange range, CancellationToken ct, RowFilter? filter = null);

    /// <summary>Rows with exactly these keys (verification re-checks), of those <paramref name="filter"/> accepts.</summary>
    IAsyncEnumerable<object?[]> ReadRowsAsync(TableSchema table, IReadOnlyList<object?[]> keys, CancellationToken ct, RowFilter? filter = null);

    /// <summary>
    /// Which of <paramref name="rows"/> (images of <paramref name="table"/>, all its columns in order) the
    /// filter accepts, decided by the source engine itself so that changed rows are judged exactly as the
    /// full copy judged the rows it read.
    /// </summary>
    Task<bool[]> MatchAsync(TableSchema table, RowFilter filter, IReadOnlyList<object?[]> rows, CancellationToken ct);

    /// <summary>
    /// Where the table's numbering stands now: one entry per AUTO_INCREMENT, identity or serial column, with the
    /// value the next insert without one would get (switchover sets the destination to it).
    /// </summary>
    Task<IReadOnlyList<IdentityValue>> ReadIdentityValuesAsync(TableName table, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<IdentityValue>>([]);

    /// <summary>
    /// The server's own digest of one chunk: how many rows it holds and an order-independent hash of each row's
    /// text over <paramref name="columns"/> (names of <paramref name="table"/>'s columns), computed where the rows are
    /// so they need not be sent. Rows with equal digests of the same <see cref="ChunkDigest.Dialect"/> read as equal
    /// values; null when this source cannot digest these columns exactly (the rows are then compared as read).
    /// </summary>
    Task<ChunkDigest?> DigestChunkAsync(TableSchema table, KeyRange range, IReadOnlyList<string> columns, CancellationToken ct, RowFilter? filter = null) =>
        Task.FromResult<ChunkDigest?>(null);
}

/// <param name="Dialect">How the row text was formed (engine, server version): digests compare only within one dialect.</param>
/// <param name="Rows">Rows in the chunk.</param>
/// <param name="Hash">The combined hash of the rows' texts.</param>
public sealed record ChunkDigest(string Dialect, long Rows, string Hash);
