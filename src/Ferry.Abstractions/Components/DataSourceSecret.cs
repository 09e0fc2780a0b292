namespace Ferry.Abstractions.Components;

/// <summary>Connection details handed to a component; the password stays encrypted until the connector opens it.</summary>
[GenerateSerializer, Alias("DataSourceSecret")]
public sealed record DataSourceSecret(
    [property: Id(0)] string Type,
    [property: Id(1)] string Host,
    [property: Id(2)] int Port,
    [property: Id(3)] string User,
    [property: Id(4)] string ProtectedPassword,
    [property: Id(5)] string? Database,
    [property: Id(6)] Dictionary<string, string> Options);
