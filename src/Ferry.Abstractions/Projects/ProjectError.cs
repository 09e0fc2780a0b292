namespace Ferry.Abstractions.Projects;

/// <summary>Why a project failed: a stable code, the message, and the component that raised it.</summary>
[GenerateSerializer, Alias("ProjectError")]
public sealed record ProjectError(
    [property: Id(0)] string Code,
    [property: Id(1)] string Message,
    [property: Id(2)] string? Component,
    [property: Id(3)] DateTimeOffset At);
