namespace Ferry.Abstractions.Projects;

/// <summary>A database (PostgreSQL: schema) and table patterns with <c>*</c> and <c>?</c> wildcards.</summary>
[GenerateSerializer, Alias("ObjectPattern")]
public sealed class ObjectPattern
{
    [Id(0)] public string Database { get; set; } = "";
    [Id(1)] public List<string> Tables { get; set; } = ["*"];
}

/// <summary>Which objects a project moves and how they are named on the destination (api.md <c>objects</c>).</summary>
[GenerateSerializer, Alias("ObjectRules")]
public sealed class ObjectRules
{
    [Id(0)] public List<ObjectPattern> Include { get; set; } = [];
    [Id(1)] public List<ObjectPattern> Exclude { get; set; } = [];
    /// <summary><c>db</c> → <c>newdb</c>, or <c>db.table</c> → <c>newdb.newtable</c>.</summary>
    [Id(2)] public Dictionary<string, string> Rename { get; set; } = [];
    [Id(3)] public Dictionary<string, string> Filters { get; set; } = [];
    [Id(4)] public Dictionary<string, List<string>> Columns { get; set; } = [];
}
