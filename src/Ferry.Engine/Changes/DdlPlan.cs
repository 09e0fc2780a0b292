using Ferry.Engine.Schema;

namespace Ferry.Engine.Changes;

public enum DdlKind
{
    /// <summary>Not a table-level statement Ferry follows (grants, users, databases, …).</summary>
    Ignore,
    AlterTable,
    CreateTable,
    DropTable,
    TruncateTable,
    CreateIndex,
    DropIndex,
    /// <summary><c>RENAME TABLE a TO b[, c TO d]</c> or <c>ALTER TABLE a RENAME TO b</c>: tables come in (from, to) pairs, applied in order.</summary>
    RenameTable,
    /// <summary>A statement on tables that Ferry does not apply by itself (yet): it stops the writer.</summary>
    Unsupported,
}

/// <summary>A table named in a DDL statement, and where its name stands in the statement text.</summary>
/// <param name="Referenced">The statement reads the table but does not change it (the model of <c>CREATE TABLE … LIKE</c>).</param>
public sealed record DdlTableRef(TableName Table, int Start, int Length, bool Referenced = false);

/// <summary>What a source DDL statement does, as far as the writer needs to know: kind, tables, why not supported.</summary>
/// <param name="Columns">A column change described by the source's log itself (no statement text to run): the writer
/// follows it through the destination's own types; with a <paramref name="Reason"/> it is refused and stops the writer.</param>
public sealed record DdlPlan(DdlKind Kind, IReadOnlyList<DdlTableRef> Tables, string? Reason = null, ColumnChange? Columns = null)
{
    public static DdlPlan Unsupported(string reason) => new(DdlKind.Unsupported, [], reason);
    public static readonly DdlPlan Ignored = new(DdlKind.Ignore, []);
}
