using System.Security.Cryptography;
using Ferry.Abstractions.Tenants;
using Ferry.Api.Auth;
using Ferry.Api.Json;
using Ferry.Api.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ferry.Api.Endpoints;

public sealed record TenantRequest(string? Name);
public sealed record TenantCreated(string Id, string Name, string AdminKey);
public sealed record UserRequest(string? Name, string? Role, string? Password);
public sealed record UserCreated(string Id, string Name, string Role, string ApiKey);
public sealed record UserResponse(string Id, string Name, string Role, DateTimeOffset CreatedAt);

/// <summary><c>/api/v1/tenants</c> and <c>/api/v1/users</c>: who may call the API, and as which role.</summary>
public static class AccountsApi
{
    public const string DefaultTenant = "default";

    public static RouteGroupBuilder MapAccounts(this RouteGroupBuilder api)
    {
        api.MapPost("/tenants", CreateTenant).WithMetadata(new RequiresRole(Roles.Admin));
        var users = api.MapGroup("/users").WithMetadata(new RequiresRole(Roles.Admin));
        users.MapPost("", CreateUser);
        users.MapGet("", ListUsers);
        users.MapDelete("/{id}", DeleteUser);
        return api;
    }

    private static async Task<IResult> CreateTenant(HttpRequest request, IGrainFactory grains)
    {
        var caller = request.HttpContext.Principal();
        if (caller.TenantId != DefaultTenant)
            return ApiProblem.Forbidden("only an admin of tenant 'default' may create tenants");
        var (body, problem) = await RequestBody.ReadAsync<TenantRequest>(request);
        if (problem is not null) return problem;
        var errors = new ValidationErrors();
        errors.Require("name", body!.Name);
        if (body.Name is { Length: > 100 }) errors.Add("name", "name is longer than 100 characters");
        if (errors.Any) return ApiProblem.Validation(errors.ToDictionary());
        var id = "t-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        await grains.GetGrain<ITenantGrain>(id).EnsureAsync(body.Name!.Trim());
        var (user, key) = await AddUserAsync(grains, id, "admin", Roles.Admin, null);
        return Results.Created($"/api/v1/tenants/{id}", new TenantCreated(id, body.Name.Trim(), key));
    }

    private static async Task<IResult> CreateUser(HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await RequestBody.ReadAsync<UserRequest>(request);
        if (problem is not null) return problem;
        var errors = new ValidationErrors();
        errors.Require("name", body!.Name);
        if (body.Role is null || !Roles.All.Contains(body.Role)) errors.Add("role", $"role must be one of {string.Join(", ", Roles.All)}");
        if (body.Password is { Length: < 8 }) errors.Add("password", "a password has at least 8 characters");
        if (errors.Any) return ApiProblem.Validation(errors.ToDictionary());
        var tenant = request.HttpContext.Principal().TenantId;
        var (user, key) = await AddUserAsync(grains, tenant, body.Name!.Trim(), body.Role!, body.Password);
        return Results.Created($"/api/v1/users/{user.Id}", new UserCreated(user.Id, user.Name, user.Role, key));
    }

    private static async Task<IResult> ListUsers(HttpContext http, IGrainFactory grains, int? limit, string? cursor)
    {
        var users = await grains.GetGrain<ITenantGrain>(http.Principal().TenantId).ListUsersAsync();
        return Results.Ok(Paging.Apply(users.Select(u => new UserResponse(u.Id, u.Name, u.Role, u.CreatedAt)).ToList(), limit, cursor));
    }

    private static async Task<IResult> DeleteUser(string id, HttpContext http, IGrainFactory grains)
    {
        var caller = http.Principal();
        if (caller.UserId == id) return ApiProblem.Conflict("user.self-delete", "a user cannot delete itself; ask another admin");
        var removed = await grains.GetGrain<ITenantGrain>(caller.TenantId).RemoveUserAsync(id);
        if (removed is null) return ApiProblem.NotFound("user", id);
        await grains.GetGrain<IApiKeyGrain>(removed.KeyHash).RevokeAsync();
        ApiKeyFilter.Forget(removed.KeyHash);
        return Results.NoContent();
    }

    /// <summary>Creates a user with a fresh API key; the key is returned once and only its hash is stored.</summary>
    public static async Task<(UserRecord User, string Key)> AddUserAsync(IGrainFactory grains, string tenant, string name, string role, string? password)
    {
        var key = ApiKeys.NewKey();
        var user = new UserRecord
        {
            Id = "u-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)),
            Name = name, Role = role, KeyHash = ApiKeys.Hash(key), CreatedAt = DateTimeOffset.UtcNow,
            PasswordHash = password is null ? null : HashPassword(password),
        };
        await grains.GetGrain<IApiKeyGrain>(user.KeyHash).SetAsync(new ApiPrincipal(tenant, user.Id, user.Name, user.Role));
        await grains.GetGrain<ITenantGrain>(tenant).AddUserAsync(user);
        return (user, key);
    }

    private static string HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, 210_000, HashAlgorithmName.SHA512, 32);
        return $"pbkdf2-sha512$210000${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }
}
