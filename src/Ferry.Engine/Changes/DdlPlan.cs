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
    /// <summary>A statement on tables that Ferry does not apply by itself (yet): it stops the writer.</summary>
    Unsupported,
}

/// <summary>A table named in a DDL statement, and where its name stands in the statement text.</summary>
public sealed record DdlTableRef(TableName Table, int Start, int Length);

/// <summary>What a source DDL statement does, as far as the writer needs to know: kind, tables, why not supported.</summary>
public sealed record DdlPlan(DdlKind Kind, IReadOnlyList<DdlTableRef> Tables, string? Reason = null)
{
    public static DdlPlan Unsupported(string reason) => new(DdlKind.Unsupported, [], reason);
    public static readonly DdlPlan Ignored = new(DdlKind.Ignore, []);
}
