using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;

namespace Ferry.Api.Tests;

/// <summary>One node for all bad-input checks; each answer is a problem details document and nothing is half-created.</summary>
public sealed class BadInputNode : IAsyncLifetime
{
    public FerryNode Node { get; } = new(FerryNode.NewMetadataDatabase(), "bad-admin-" + Guid.NewGuid().ToString("N"));
    public Task InitializeAsync() => Node.StartAsync();
    public async Task DisposeAsync() => await Node.DisposeAsync();
}

[Collection(E2ECollection.Name)]
public sealed class BadInputTests(BadInputNode fixture) : IClassFixture<BadInputNode>, IDisposable
{
    private readonly FerryClient _api = new(fixture.Node.BaseAddress, fixture.Node.AdminKey);

    public void Dispose() => _api.Dispose();

    private static void AssertProblem(int status, JsonNode? body, int expectedStatus, string expectedCode)
    {
        Assert.True(status == expectedStatus, $"expected {expectedStatus} {expectedCode}, got {status}: {body?.ToJsonString()}");
        Assert.Equal(expectedCode, body?["code"]?.GetValue<string>());
        Assert.Equal(expectedStatus, body?["status"]?.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body?["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(body?["detail"]?.GetValue<string>()));
    }

    private async Task<int> ProjectCountAsync() => (await _api.GetOkAsync("/api/v1/projects"))["items"]!.AsArray().Count;

    [Fact]
    public async Task Missing_or_wrong_api_key_is_401()
    {
        using var anonymous = new FerryClient(fixture.Node.BaseAddress, null);
        var (status, body) = await anonymous.GetAsync("/api/v1/projects");
        AssertProblem(status, body, 401, "auth.unauthorized");
        using var wrong = new FerryClient(fixture.Node.BaseAddress, "not-a-key");
        (status, body) = await wrong.GetAsync("/api/v1/datasources");
        AssertProblem(status, body, 401, "auth.unauthorized");
        var (health, _) = await anonymous.GetAsync("/healthz");
        Assert.Equal(200, health);
    }

    [Fact]
    public async Task Malformed_json_is_400_naming_where()
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Post, "/api/v1/datasources", rawBody: "{\"name\": \"x\", \"port\": \"not a number\"}");
        AssertProblem(status, body, 400, "validation.malformed-json");
        Assert.Contains("port", body!["detail"]!.GetValue<string>());
        (status, body) = await _api.SendAsync(HttpMethod.Post, "/api/v1/projects", rawBody: "{\"name\": ");
        AssertProblem(status, body, 400, "validation.malformed-json");
    }

    [Fact]
    public async Task Invalid_data_source_names_every_bad_field_and_stores_nothing()
    {
        var before = (await _api.GetOkAsync("/api/v1/datasources"))["items"]!.AsArray().Count;
        var (status, body) = await _api.PostAsync("/api/v1/datasources", new { name = "", type = "oracle", port = 70000 });
        AssertProblem(status, body, 422, "validation.failed");
        var errors = body!["errors"]!.AsObject().Select(e => e.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "name", "type", "host", "port", "user", "password" }, errors);
        Assert.Equal(before, (await _api.GetOkAsync("/api/v1/datasources"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Bad_tls_options_of_a_data_source_are_named()
    {
        var (status, body) = await _api.PostAsync("/api/v1/datasources", new
        {
            name = "tls", type = "mariadb", host = "127.0.0.1", port = 3307, user = "root", password = "x",
            options = new Dictionary<string, string> { ["sslMode"] = "sometimes" },
        });
        AssertProblem(status, body, 422, "validation.failed");
        Assert.Contains("verify-ca", body!["errors"]!["options.sslMode"]![0]!.GetValue<string>());
        (status, body) = await _api.PostAsync("/api/v1/datasources", new
        {
            name = "tls", type = "mariadb", host = "127.0.0.1", port = 3307, user = "root", password = "x",
            options = new Dictionary<string, string> { ["sslMode"] = "verify-ca", ["sslCa"] = "not a certificate" },
        });
        AssertProblem(status, body, 422, "validation.failed");
        Assert.Contains("PEM", body!["errors"]!["options.sslCa"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Password_is_write_only()
    {
        var scenario = new Scenario(_api);
        var id = await scenario.CreateDataSourceAsync("secret", TestServers.MariaDbSource);
        var got = await _api.GetOkAsync($"/api/v1/datasources/{id}");
        Assert.Null(got["password"]);
        Assert.DoesNotContain("password", got.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        var test = await _api.PostOkAsync($"/api/v1/datasources/{id}/test");
        Assert.True(test["ok"]!.GetValue<bool>(), test.ToJsonString());
        Assert.Contains(test["checks"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "binlog_format" && c["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Unknown_data_source_is_422_and_no_project_is_created()
    {
        var before = await ProjectCountAsync();
        var scenario = new Scenario(_api);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var (status, body) = await _api.PostAsync("/api/v1/projects", Scenario.MigrationBody("p", "ds-missing", dst, "shop"));
        AssertProblem(status, body, 422, "validation.failed");
        Assert.Contains("sourceId", body!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(before, await ProjectCountAsync());
    }

    [Fact]
    public async Task Wrong_password_fails_the_precheck_and_no_project_is_created()
    {
        var before = await ProjectCountAsync();
        var scenario = new Scenario(_api);
        var secret = "wrong-" + Guid.NewGuid().ToString("N");
        var src = await scenario.CreateDataSourceAsync("wrong-password", TestServers.MariaDbSource, password: secret);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var (status, body) = await _api.PostAsync("/api/v1/projects", Scenario.MigrationBody("p", src, dst, "shop"));
        AssertProblem(status, body, 422, "datasource.auth-failed");
        Assert.DoesNotContain(secret, body!.ToJsonString());
        Assert.Equal(before, await ProjectCountAsync());
        var test = await _api.PostOkAsync($"/api/v1/datasources/{src}/test");
        Assert.False(test["ok"]!.GetValue<bool>());
        Assert.Contains(test["checks"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "credentials" && !c["ok"]!.GetValue<bool>());
        Assert.DoesNotContain(secret, test.ToJsonString());
        Assert.DoesNotContain(secret, fixture.Node.Log);
    }

    [Fact]
    public async Task Missing_replication_privileges_fail_the_precheck()
    {
        var user = "noreplica_" + Guid.NewGuid().ToString("N")[..8];
        await TestServers.ExecAsync(TestServers.MariaDbSource,
            $"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw-{user}'; GRANT SELECT ON *.* TO '{user}'@'%'");
        try
        {
            var before = await ProjectCountAsync();
            var scenario = new Scenario(_api);
            var src = await scenario.CreateDataSourceAsync("no-replication", TestServers.MariaDbSource, password: $"pw-{user}", user: user);
            var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
            var (status, body) = await _api.PostAsync("/api/v1/projects", Scenario.MigrationBody("p", src, dst, "shop"));
            AssertProblem(status, body, 422, "datasource.precheck-failed");
            Assert.Contains("replication", body!["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(before, await ProjectCountAsync());
        }
        finally
        {
            await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP USER '{user}'@'%'");
        }
    }

    [Fact]
    public async Task Binlog_off_fails_the_precheck_for_incremental()
    {
        var before = await ProjectCountAsync();
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("no-binlog", TestServers.MariaDbNoBinlog);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var (status, body) = await _api.PostAsync("/api/v1/projects", Scenario.MigrationBody("p", src, dst, "shop"));
        AssertProblem(status, body, 422, "datasource.precheck-failed");
        Assert.Contains("binlog", body!["detail"]!.GetValue<string>());
        Assert.Equal(before, await ProjectCountAsync());
    }

    [Fact]
    public async Task A_binlog_kept_shorter_than_the_copy_may_take_fails_the_precheck()
    {
        var db = TestServers.UniqueName("retention");
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{db}`; CREATE TABLE `{db}`.t (id INT PRIMARY KEY)");
        await using var c = await TestServers.OpenAsync(TestServers.MariaDbSource);
        await using (var get = new MySqlConnector.MySqlCommand("SELECT @@GLOBAL.binlog_expire_logs_seconds", c))
        {
            var previous = Convert.ToInt64(await get.ExecuteScalarAsync());
            try
            {
                await using (var set = new MySqlConnector.MySqlCommand("SET GLOBAL binlog_expire_logs_seconds = 120", c)) await set.ExecuteNonQueryAsync();
                var before = await ProjectCountAsync();
                var scenario = new Scenario(_api);
                var src = await scenario.CreateDataSourceAsync("short-retention", TestServers.MariaDbSource);
                var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
                var (status, body) = await _api.PostAsync("/api/v1/projects", Scenario.MigrationBody("p", src, dst, db));
                AssertProblem(status, body, 422, "datasource.binlog-retention");
                Assert.Contains("binlog_expire_logs_seconds", body!["detail"]!.GetValue<string>());
                Assert.Equal(before, await ProjectCountAsync());
                // Without incremental the log does not matter.
                var (copyOnly, _) = await _api.PostAsync("/api/v1/projects", Scenario.MigrationBody("p", src, dst, db, ["schema", "full"]));
                Assert.Equal(201, copyOnly);
            }
            finally
            {
                await using var restore = new MySqlConnector.MySqlCommand($"SET GLOBAL binlog_expire_logs_seconds = {previous}", c);
                await restore.ExecuteNonQueryAsync();
                await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{db}`");
            }
        }
    }

    [Fact]
    public async Task Invalid_stages_and_options_are_all_named()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var (status, body) = await _api.PostAsync("/api/v1/projects", new
        {
            name = "bad", sourceId = src, destinationId = dst, stages = new[] { "full", "schema", "teleport" },
            objects = new { include = Array.Empty<object>() }, options = new { fullConcurrency = 0 },
        });
        AssertProblem(status, body, 422, "validation.failed");
        var fields = body!["errors"]!.AsObject().Select(e => e.Key).ToList();
        Assert.Contains("stages", fields);
        Assert.Contains("objects.include", fields);
        Assert.Contains("options.fullConcurrency", fields);
    }

    [Fact]
    public async Task Actions_not_allowed_in_the_current_status_are_409()
    {
        var scenario = new Scenario(_api);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var project = await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("p", src, dst, "nothing_here_" + Guid.NewGuid().ToString("N")[..6], ["schema", "full"]));
        var id = project["id"]!.GetValue<string>();
        foreach (var action in new[] { "pause", "resume", "release" })
        {
            var (status, body) = await _api.PostAsync($"/api/v1/projects/{id}/{action}");
            AssertProblem(status, body, 409, "project.invalid-transition");
        }
        var (deleteDs, dsBody) = await _api.SendAsync(HttpMethod.Delete, $"/api/v1/datasources/{src}");
        AssertProblem(deleteDs, dsBody, 409, "datasource.in-use");
        var (missing, missingBody) = await _api.PostAsync("/api/v1/projects/p-nope/start");
        AssertProblem(missing, missingBody, 404, "project.not-found");
        var (deleted, _) = await _api.SendAsync(HttpMethod.Delete, $"/api/v1/projects/{id}");
        Assert.Equal(204, deleted);
    }

    [Fact]
    public async Task Data_sources_can_be_listed_updated_and_deleted_keeping_the_password_unless_replaced()
    {
        var scenario = new Scenario(_api);
        var id = await scenario.CreateDataSourceAsync("to-update", TestServers.MariaDbSource);
        var (status, body) = await _api.SendAsync(HttpMethod.Put, $"/api/v1/datasources/{id}", new
        {
            name = "renamed", type = "mariadb", host = "127.0.0.1", port = TestServers.Endpoint(TestServers.MariaDbSource).Port, user = "root",
        });
        Assert.True(status == 200, body?.ToJsonString());
        Assert.Equal("renamed", body!["name"]!.GetValue<string>());
        // No password in the update: the stored one still works.
        var test = await _api.PostOkAsync($"/api/v1/datasources/{id}/test");
        Assert.True(test["ok"]!.GetValue<bool>(), test.ToJsonString());

        await scenario.CreateDataSourceAsync("another", TestServers.MariaDbDest);
        var page = await _api.GetOkAsync("/api/v1/datasources?limit=1");
        Assert.Single(page["items"]!.AsArray());
        Assert.NotNull(page["nextCursor"]);

        var (deleted, _) = await _api.SendAsync(HttpMethod.Delete, $"/api/v1/datasources/{id}");
        Assert.Equal(204, deleted);
        var (gone, goneBody) = await _api.GetAsync($"/api/v1/datasources/{id}");
        AssertProblem(gone, goneBody, 404, "datasource.not-found");
    }
}
