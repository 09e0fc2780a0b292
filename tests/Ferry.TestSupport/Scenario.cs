using Xunit;
using System.Text.Json.Nodes;

namespace Ferry.TestSupport;

/// <summary>Drives a migration through the REST API the way a user would, and waits on what it reports.</summary>
public sealed class Scenario(FerryClient api)
{
    public async Task<string> CreateDataSourceAsync(string name, string mysqlConnectionString, string? password = null, string? user = null)
    {
        var (host, port) = TestServers.Endpoint(mysqlConnectionString);
        var ds = await api.PostOkAsync("/api/v1/datasources", new
        {
            name, type = "mariadb", host, port, user = user ?? "root", password = password ?? TestServers.Password,
        });
        return ds["id"]!.GetValue<string>();
    }

    public static object MigrationBody(string name, string sourceId, string destId, string database, string[]? stages = null, object? rename = null) => new
    {
        name,
        kind = "migration",
        sourceId,
        destinationId = destId,
        stages = stages ?? ["schema", "full", "incremental", "verify"],
        objects = new { include = new[] { new { database, tables = new[] { "*" } } }, rename = rename ?? new { } },
        options = new { fullConcurrency = 4, verifyConcurrency = 2, latencyThresholdSeconds = 5 },
        tags = new[] { "test" },
    };

    public async Task<JsonNode> GetProjectAsync(string id) => await api.GetOkAsync($"/api/v1/projects/{id}");

    public static JsonNode Stage(JsonNode project, string name) =>
        project["stages"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == name)!;

    public static string Status(JsonNode node) => node["status"]!.GetValue<string>();

    /// <summary>Polls the project until <paramref name="done"/> holds; fails fast if the project failed.</summary>
    public async Task<JsonNode> WaitAsync(string id, Func<JsonNode, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode project;
        do
        {
            project = await GetProjectAsync(id);
            if (done(project)) return project;
            if (Status(project) == "Failed") Assert.Fail($"project failed while waiting for {what}: {project.ToJsonString()}");
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"timed out waiting for {what}: {project.ToJsonString()}");
        return project;
    }

    /// <summary>Polls the project until <paramref name="done"/> holds, whatever its status (for waiting on a failure).</summary>
    public async Task<JsonNode> WaitUntilAsync(string id, Func<JsonNode, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            var project = await GetProjectAsync(id);
            if (done(project)) return project;
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}: {project.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits until every listed table is identical on both sides (the writer has caught up), then asserts it.</summary>
    public static async Task AssertConvergesAsync(string database, IEnumerable<string> tables, TimeSpan timeout, string? destDatabase = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var table in tables)
        {
            while (true)
            {
                var src = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbSource, database, table);
                var dst = await MySqlTableComparer.ReadCanonicalRowsAsync(TestServers.MariaDbDest, destDatabase ?? database, table);
                if (src.SequenceEqual(dst) || DateTime.UtcNow > deadline) break;
                await Task.Delay(250);
            }
            await MySqlTableComparer.AssertEqualAsync(TestServers.MariaDbSource, TestServers.MariaDbDest, database, table, destDatabase);
        }
    }
}
