using Ferry.Api.Tests.Support;
using Ferry.TestSupport;

namespace Ferry.Api.Tests;

public sealed class AccountsNode : IAsyncLifetime
{
    public FerryNode Node { get; } = new(FerryNode.NewMetadataDatabase(), "acct-admin-" + Guid.NewGuid().ToString("N"));
    public Task InitializeAsync() => Node.StartAsync();
    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>Users, roles, tenants, and editing or cloning a project.</summary>
[Collection(E2ECollection.Name)]
public sealed class AccountsAndProjectEditTests(AccountsNode fixture) : IClassFixture<AccountsNode>, IDisposable
{
    private readonly FerryClient _admin = new(fixture.Node.BaseAddress, fixture.Node.AdminKey);

    public void Dispose() => _admin.Dispose();

    private FerryClient As(string key) => new(fixture.Node.BaseAddress, key);

    [Fact]
    public async Task Roles_decide_what_a_user_may_do_and_a_deleted_user_is_locked_out()
    {
        var viewer = await _admin.PostOkAsync("/api/v1/users", new { name = "vera", role = "viewer", password = "long-enough-pw" });
        var op = await _admin.PostOkAsync("/api/v1/users", new { name = "otto", role = "operator" });
        Assert.Equal("viewer", viewer["role"]!.GetValue<string>());
        Assert.DoesNotContain("password", viewer.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        using var asViewer = As(viewer["apiKey"]!.GetValue<string>());
        using var asOperator = As(op["apiKey"]!.GetValue<string>());

        Assert.Equal(200, (await asViewer.GetAsync("/api/v1/datasources")).Status);
        var (denied, problem) = await asViewer.PostAsync("/api/v1/datasources", new { name = "x", type = "mariadb", host = "h", port = 1, user = "u", password = "p" });
        Assert.Equal(403, denied);
        Assert.Equal("auth.forbidden", problem!["code"]!.GetValue<string>());
        var (created, _) = await asOperator.PostAsync("/api/v1/datasources", new { name = "x", type = "mariadb", host = "h", port = 1, user = "u", password = "p" });
        Assert.Equal(201, created);
        Assert.Equal(403, (await asOperator.GetAsync("/api/v1/users")).Status);

        var users = (await _admin.GetOkAsync("/api/v1/users"))["items"]!.AsArray();
        Assert.Contains(users, u => u!["name"]!.GetValue<string>() == "vera");
        var (badRole, badRoleBody) = await _admin.PostAsync("/api/v1/users", new { name = "z", role = "root", password = "short" });
        Assert.Equal(422, badRole);
        Assert.Superset(new HashSet<string> { "role", "password" }, badRoleBody!["errors"]!.AsObject().Select(e => e.Key).ToHashSet());

        var (deleted, _) = await _admin.SendAsync(HttpMethod.Delete, $"/api/v1/users/{viewer["id"]!.GetValue<string>()}");
        Assert.Equal(204, deleted);
        Assert.Equal(401, (await asViewer.GetAsync("/api/v1/datasources")).Status);
    }

    [Fact]
    public async Task A_new_tenant_sees_only_its_own_objects()
    {
        var mine = await _admin.PostOkAsync("/api/v1/datasources", new { name = "default-only", type = "mariadb", host = "h", port = 1, user = "u", password = "p" });
        var tenant = await _admin.PostOkAsync("/api/v1/tenants", new { name = "team-b" });
        Assert.Equal("team-b", tenant["name"]!.GetValue<string>());
        using var other = As(tenant["adminKey"]!.GetValue<string>());
        Assert.Empty((await other.GetOkAsync("/api/v1/datasources"))["items"]!.AsArray());
        var (status, body) = await other.GetAsync($"/api/v1/datasources/{mine["id"]!.GetValue<string>()}");
        Assert.Equal(404, status);
        Assert.Equal("datasource.not-found", body!["code"]!.GetValue<string>());
        Assert.Equal(403, (await other.PostAsync("/api/v1/tenants", new { name = "nested" })).Status);
        var user = await other.PostOkAsync("/api/v1/users", new { name = "b-op", role = "operator" });
        Assert.Single((await other.GetOkAsync("/api/v1/users"))["items"]!.AsArray(), u => u!["id"]!.GetValue<string>() == user["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_project_is_edited_before_it_starts_and_cloned()
    {
        var scenario = new Scenario(_admin);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var empty = "nothing_" + Guid.NewGuid().ToString("N")[..8];
        var id = (await _admin.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("edit-me", src, dst, empty, ["schema", "full"])))["id"]!.GetValue<string>();

        var (status, patched) = await _admin.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}", new
        {
            name = "edited", tags = new[] { "blue" }, options = new { fullConcurrency = 2, latencyThresholdSeconds = 3 },
            objects = new { include = new[] { new { database = empty, tables = new[] { "a*" } } } },
        });
        Assert.True(status == 200, patched?.ToJsonString());
        Assert.Equal("edited", patched!["name"]!.GetValue<string>());
        Assert.Equal(["blue"], patched["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(2, patched["options"]!["fullConcurrency"]!.GetValue<int>());
        Assert.Equal("a*", patched["objects"]!["include"]![0]!["tables"]![0]!.GetValue<string>());
        var (invalid, invalidBody) = await _admin.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}", new { options = new { fullConcurrency = 0 } });
        Assert.Equal(422, invalid);
        Assert.Contains("options.fullConcurrency", invalidBody!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(2, (await _admin.GetOkAsync($"/api/v1/projects/{id}"))["options"]!["fullConcurrency"]!.GetValue<int>());

        var clone = await _admin.PostOkAsync($"/api/v1/projects/{id}/clone");
        Assert.NotEqual(id, clone["id"]!.GetValue<string>());
        Assert.Equal("edited-copy", clone["name"]!.GetValue<string>());
        Assert.Equal("NotStarted", clone["status"]!.GetValue<string>());
        Assert.Equal(["schema", "full"], clone["stages"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));

        await _admin.PostOkAsync($"/api/v1/projects/{id}/start");
        await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(1), "the empty project to complete");
        var (refused, refusedBody) = await _admin.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}",
            new { objects = new { include = new[] { new { database = empty, tables = new[] { "*" } } } } });
        Assert.Equal(409, refused);
        Assert.Equal("project.invalid-transition", refusedBody!["code"]!.GetValue<string>());
        var (renamed, _) = await _admin.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}", new { name = "done" });
        Assert.Equal(200, renamed);
    }

    [Fact]
    public async Task Object_settings_export_to_csv_and_import_back()
    {
        var scenario = new Scenario(_admin);
        var src = await scenario.CreateDataSourceAsync("source", TestServers.MariaDbSource);
        var dst = await scenario.CreateDataSourceAsync("dest", TestServers.MariaDbDest);
        var id = (await _admin.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("csv", src, dst, "shop", ["schema", "full"],
            rename: new Dictionary<string, string> { ["shop"] = "shop_new" })))["id"]!.GetValue<string>();

        using var http = new HttpClient { BaseAddress = fixture.Node.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Node.AdminKey);
        var csv = await http.GetStringAsync($"/api/v1/projects/{id}/objects/export");
        Assert.Equal("database,table,destDatabase,destTable,filter,columns\r\nshop,*,shop_new,*,,\r\n", csv);

        var edited = csv + "crm,\"users,old\",people_db,people,\"id > 5 AND name <> 'a,b'\",id;name\r\n";
        var imported = await http.PostAsync($"/api/v1/projects/{id}/objects/import", new StringContent(edited, System.Text.Encoding.UTF8, "text/csv"));
        Assert.Equal(200, (int)imported.StatusCode);
        var project = await _admin.GetOkAsync($"/api/v1/projects/{id}");
        Assert.Equal("shop_new", project["objects"]!["rename"]!["shop"]!.GetValue<string>());
        Assert.Equal("people_db.people", project["objects"]!["rename"]!["crm.users,old"]!.GetValue<string>());
        Assert.Equal(["shop", "crm"], project["objects"]!["include"]!.AsArray().Select(p => p!["database"]!.GetValue<string>()));
        Assert.Equal("id > 5 AND name <> 'a,b'", project["objects"]!["filters"]!["crm.users,old"]!.GetValue<string>());
        Assert.Equal(["id", "name"], project["objects"]!["columns"]!["crm.users,old"]!.AsArray().Select(c => c!.GetValue<string>()));
        var again = await http.GetStringAsync($"/api/v1/projects/{id}/objects/export");
        Assert.Contains("crm,\"users,old\",people_db,people,\"id > 5 AND name <> 'a,b'\",id;name\r\n", again);

        var bad = await http.PostAsync($"/api/v1/projects/{id}/objects/import", new StringContent("db,table\nx", System.Text.Encoding.UTF8, "text/csv"));
        Assert.Equal(422, (int)bad.StatusCode);
        Assert.Contains("header", await bad.Content.ReadAsStringAsync());
    }
}
