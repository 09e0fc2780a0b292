using Ferry.Engine.Schema;

namespace Ferry.Engine.Preparer;

/// <summary>Outcome of creating one view on the destination.</summary>
public sealed record PreparedView(TableName Source, TableName Target, string? Ddl, string? Error, bool Skipped = false);
