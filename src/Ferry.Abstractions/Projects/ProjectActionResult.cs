namespace Ferry.Abstractions.Projects;

/// <summary>The outcome of an operator action: the project after it, or why it was refused.</summary>
[GenerateSerializer, Alias("ProjectActionResult")]
public sealed record ProjectActionResult(
    [property: Id(0)] ProjectView? Project,
    [property: Id(1)] string? ErrorCode = null,
    [property: Id(2)] string? ErrorMessage = null)
{
    public bool Ok => ErrorCode is null;
    public static ProjectActionResult Refused(string code, string message) => new(null, code, message);
}
