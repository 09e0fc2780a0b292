using Ferry.Abstractions.DataSources;

namespace Ferry.Api.Endpoints;

public sealed record DataSourceRequest(
    string? Name, string? Type, string? Host, int? Port, string? User, string? Password, string? Database,
    Dictionary<string, string>? Options);

/// <summary>A data source as the API shows it: never the password.</summary>
public sealed record DataSourceResponse(
    string Id, string Name, string Type, string Host, int Port, string User, string? Database,
    Dictionary<string, string> Options, DateTimeOffset CreatedAt)
{
    public static DataSourceResponse From(DataSourceRecord r) =>
        new(r.Id, r.Name, r.Type, r.Host, r.Port, r.User, r.Database, r.Options, r.CreatedAt);
}

public sealed record ProbeResponse(bool Ok, string? ServerVersion, IReadOnlyList<ProbeCheckResponse> Checks);

public sealed record ProbeCheckResponse(string Name, bool Ok, string Detail);

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
