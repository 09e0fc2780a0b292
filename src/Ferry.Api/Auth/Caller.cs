using Ferry.Abstractions.Tenants;
using Microsoft.AspNetCore.Http;

namespace Ferry.Api.Auth;

public static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";

    public static readonly string[] All = [Admin, Operator, Viewer];

    /// <summary>viewer reads; operator also runs projects and manages data sources; admin does everything.</summary>
    public static bool Allows(string role, string needed) => needed switch
    {
        Viewer => true,
        Operator => role is Admin or Operator,
        _ => role == Admin,
    };
}

/// <summary>The authenticated caller of a request.</summary>
public static class Caller
{
    private const string Key = "ferry.principal";

    public static ApiPrincipal Principal(this HttpContext context) =>
        context.Items[Key] as ApiPrincipal ?? throw new InvalidOperationException("request was not authenticated");

    internal static void Set(HttpContext context, ApiPrincipal principal) => context.Items[Key] = principal;
}
