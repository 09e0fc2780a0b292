namespace Ferry.Engine.Connections;

/// <summary>How to reach a data source. The password is plain here only in memory; it is encrypted at rest.</summary>
public sealed record ConnectionInfo(
    EngineKind Kind,
    string Host,
    int Port,
    string User,
    string Password,
    string? Database = null,
    IReadOnlyDictionary<string, string>? Options = null)
{
    /// <summary>Never print the password.</summary>
    public override string ToString() => $"{Kind} {User}@{Host}:{Port}/{Database}";
}
