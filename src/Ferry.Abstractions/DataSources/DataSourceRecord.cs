namespace Ferry.Abstractions.DataSources;

/// <summary>A registered connection. The password is kept only encrypted (<see cref="ProtectedPassword"/>).</summary>
[GenerateSerializer, Alias("DataSourceRecord")]
public sealed class DataSourceRecord
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string TenantId { get; set; } = "";
    [Id(2)] public string Name { get; set; } = "";
    [Id(3)] public string Type { get; set; } = "";
    [Id(4)] public string Host { get; set; } = "";
    [Id(5)] public int Port { get; set; }
    [Id(6)] public string User { get; set; } = "";
    [Id(7)] public string ProtectedPassword { get; set; } = "";
    [Id(8)] public string? Database { get; set; }
    [Id(9)] public Dictionary<string, string> Options { get; set; } = [];
    [Id(10)] public DateTimeOffset CreatedAt { get; set; }
    [Id(11)] public List<string> UsedBy { get; set; } = [];
}
