using Xunit;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Ferry.TestSupport;

/// <summary>A thin HTTP client for the REST API, answering JSON nodes so tests read the contract as written.</summary>
public sealed class FerryClient(Uri baseAddress, string? apiKey) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, object? body = null, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        if (rawBody is not null) request.Content = new StringContent(rawBody, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0)
        {
            try { json = JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { json = JsonValue.Create(text); }
        }
        return ((int)response.StatusCode, json);
    }

    public Task<(int Status, JsonNode? Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<(int Status, JsonNode? Body)> PostAsync(string path, object? body = null) => SendAsync(HttpMethod.Post, path, body);

    /// <summary>POST expecting success; fails the test with the problem details otherwise.</summary>
    public async Task<JsonNode> PostOkAsync(string path, object? body = null)
    {
        var (status, json) = await PostAsync(path, body);
        Assert.True(status is >= 200 and < 300, $"POST {path} → {status}: {json?.ToJsonString()}");
        return json!;
    }

    public async Task<JsonNode> GetOkAsync(string path)
    {
        var (status, json) = await GetAsync(path);
        Assert.True(status == 200, $"GET {path} → {status}: {json?.ToJsonString()}");
        return json!;
    }

    public void Dispose() => _http.Dispose();
}
