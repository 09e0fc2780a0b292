namespace Ferry.Abstractions.Projects;

/// <summary>One line of a project's log: stage changes, errors, operator actions.</summary>
[GenerateSerializer, Alias("ProjectEvent")]
public sealed record ProjectEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Type,
    [property: Id(2)] string Message,
    [property: Id(3)] string? Who);
