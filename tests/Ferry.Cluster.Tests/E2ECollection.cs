namespace Ferry.Cluster.Tests;

/// <summary>End-to-end tests start whole nodes; on two cores they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class E2ECollection
{
    public const string Name = "end-to-end";
}
