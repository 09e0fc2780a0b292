using Ferry.Engine.Changes;

namespace Ferry.Engine.Schema;

/// <summary>
/// One step of a stream's schema history: from <paramref name="Position"/> on, the row images of source
/// table <paramref name="Table"/> follow <paramref name="Schema"/> and land in <paramref name="Target"/>.
/// </summary>
/// <param name="Position">The checkpoint that passed the statement (or where the writer first took the table in).</param>
/// <param name="Schema">The definition in source column order; null when the writer no longer follows the table from here (dropped, renamed away, left the project).</param>
/// <param name="Target">The destination table; null with <paramref name="Schema"/>.</param>
/// <param name="Note">Why the definition changed or the table left, for people reading the history.</param>
public sealed record SchemaHistoryEntry(TableName Table, LogPosition Position, TableSchema? Schema, TableName? Target, string? Note = null);
