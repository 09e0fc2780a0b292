namespace Ferry.Engine.Preparer;

/// <summary>
/// What an operator decided about schema objects that failed (keys are source names, <c>db.object</c>):
/// DDL to run instead of the generated one, objects skipped (Ferry does not create them; the data stages
/// still move a skipped table, into whatever the operator created), objects removed from the project.
/// </summary>
public sealed record SchemaDecisions(
    IReadOnlyDictionary<string, string> Ddl,
    IReadOnlySet<string> Skipped,
    IReadOnlySet<string> Removed)
{
    public static readonly SchemaDecisions None = new(new Dictionary<string, string>(), new HashSet<string>(), new HashSet<string>());
}
