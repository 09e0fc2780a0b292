namespace Ferry.Abstractions.Tenants;

/// <summary>A user of a tenant. Only the SHA-256 of its API key and a PBKDF2 hash of its password are kept.</summary>
[GenerateSerializer, Alias("UserRecord")]
public sealed class UserRecord
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string Role { get; set; } = "";
    [Id(3)] public string KeyHash { get; set; } = "";
    [Id(4)] public string? PasswordHash { get; set; }
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
}
