namespace Ferry.Engine.Connections;

/// <summary>One named precheck of a data source, with an actionable message when it fails.</summary>
public sealed record ProbeCheck(string Name, bool Ok, string Detail);

/// <summary>Outcome of testing a data source: reachable, credentials, and what CDC needs.</summary>
/// <param name="LogRetention">How long the source keeps its change log: zero when it never purges it, null when unknown.</param>
public sealed record ProbeResult(bool Ok, string? ServerVersion, IReadOnlyList<ProbeCheck> Checks, TimeSpan? LogRetention = null);
