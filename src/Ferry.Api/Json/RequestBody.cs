using System.Text.Json;
using Ferry.Api.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ferry.Api.Json;

/// <summary>Reads a JSON body so that malformed input becomes a 400 problem that says where, never a 500.</summary>
public static class RequestBody
{
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            if (request.ContentLength == 0) return (null, ApiProblem.Malformed("the request body is empty"));
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, request.HttpContext.RequestAborted);
            return value is null ? (null, ApiProblem.Malformed("the request body is null")) : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            return (null, ApiProblem.Malformed($"invalid JSON{where} (line {e.LineNumber + 1}): {e.Message.Split(" Path:")[0]}"));
        }
    }
}
