using Ferry.Abstractions.Projects;

namespace Ferry.Api.Endpoints;

public sealed class ProjectRequest
{
    public string? Name { get; set; }
    public string? Kind { get; set; }
    public string? SourceId { get; set; }
    public string? DestinationId { get; set; }
    public List<string>? Stages { get; set; }
    public ObjectRules? Objects { get; set; }
    public ProjectOptions? Options { get; set; }
    public SinkSpec? Sink { get; set; }
    public List<string>? Tags { get; set; }
}

public sealed record ObjectStatus(string Status);

/// <summary>One row of <c>GET /projects/{id}/objects</c>.</summary>
public sealed record ObjectResponse(
    string Database, string Table, string DestDatabase, string DestTable,
    ObjectStatus Schema, ObjectStatus Full, ObjectStatus Incremental, ObjectStatus Verify,
    long EstimatedRows, long MigratedRows, long Inserted, long Updated, long Deleted, string? Error);

/// <summary>One row of <c>GET /projects/{id}/verification</c>.</summary>
public sealed record VerificationResponse(
    string Table, string Status, long? SourceRows, long? DestRows, long? Mismatches, long? MissingInDest, long? ExtraInDest, string? Error);

/// <summary>One row of <c>GET /projects/{id}/schema</c>.</summary>
public sealed record SchemaObjectResponse(string Name, string Kind, string Status, string? Ddl, string? Error, string? Detail);

public sealed record SchemaRetryRequest(string? Ddl);

/// <summary>Body of a switchover step action: <c>force</c> is needed to skip <c>confirmSyncComplete</c>.</summary>
public sealed record SwitchoverStepRequest(bool? Force);
