using Microsoft.AspNetCore.Http;

namespace Ferry.Api.Problems;

/// <summary>RFC 7807 problem details with Ferry's stable <c>code</c>; the only way the API reports errors.</summary>
public static class ApiProblem
{
    public static IResult Create(int status, string code, string title, string detail, IDictionary<string, string[]>? errors = null,
        object? extra = null)
    {
        var ext = new Dictionary<string, object?> { ["code"] = code };
        if (errors is not null) ext["errors"] = errors;
        if (extra is not null) ext["checks"] = extra;
        return Results.Problem(detail: detail, statusCode: status, title: title, type: $"https://ferry.dev/problems/{code}",
            extensions: ext);
    }

    public static IResult Validation(IDictionary<string, string[]> errors) =>
        Create(StatusCodes.Status422UnprocessableEntity, "validation.failed", "The request is not valid",
            "invalid field(s): " + string.Join(", ", errors.Keys), errors);

    public static IResult Malformed(string detail) =>
        Create(StatusCodes.Status400BadRequest, "validation.malformed-json", "The request body is not valid JSON", detail);

    public static IResult NotFound(string what, string id) =>
        Create(StatusCodes.Status404NotFound, $"{what}.not-found", $"No such {what}", $"{what} '{id}' does not exist");

    public static IResult Conflict(string code, string detail) =>
        Create(StatusCodes.Status409Conflict, code, "The action is not allowed now", detail);

    public static IResult Unauthorized(string detail) =>
        Create(StatusCodes.Status401Unauthorized, "auth.unauthorized", "Authentication required", detail);

    public static IResult Forbidden(string detail) =>
        Create(StatusCodes.Status403Forbidden, "auth.forbidden", "Not allowed", detail);
}
