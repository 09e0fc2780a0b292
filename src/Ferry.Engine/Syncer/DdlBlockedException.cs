using Ferry.Engine.Changes;
using Ferry.Engine.Errors;

namespace Ferry.Engine.Syncer;

/// <summary>
/// A schema change on a migrated database that the writer does not apply by itself. Everything
/// before it is committed with checkpoint <see cref="Before"/>; skipping it means resuming at <see cref="After"/>.
/// </summary>
public sealed class DdlBlockedException(string database, string statement, LogPosition before, LogPosition after, string? reason = null)
    : FerryException("ddl.unsupported",
        $"a DDL statement on a migrated database stopped the writer at {before}{(reason is null ? "" : $" ({reason})")}: {statement}")
{
    public string Database { get; } = database;
    public string Statement { get; } = statement;
    public LogPosition Before { get; } = before;
    public LogPosition After { get; } = after;
}
