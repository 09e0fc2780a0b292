namespace Ferry.Abstractions.Projects;

/// <summary>The stage names of a migration, in their only valid order.</summary>
public static class StageNames
{
    public const string Schema = "schema";
    public const string Full = "full";
    public const string Incremental = "incremental";
    public const string Verify = "verify";
    public const string Reverse = "reverse";

    public static readonly IReadOnlyList<string> Ordered = [Schema, Full, Incremental, Verify, Reverse];
}
