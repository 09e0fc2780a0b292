
using Ferry.Host.Metadata;
using Ferry.TestSupport;
using Npgsql;

namespace Ferry.Cluster.Tests;

/// <summary>Our metadata scripts on a real PostgreSQL: idempotent, complete, and strict about concurrent writes.</summary>
[Collection(E2ECollection.Name)]
public sealed class MetadataTests : IAsyncLifetime
{
    private readonly string _db = FerryNode.NewMetadataDatabase();
    private string ConnectionString => new NpgsqlConnectionStringBuilder(TestServers.PgMeta) { Database = _db }.ConnectionString;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(TestServers.PgMeta);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_db}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Scripts_create_the_database_and_every_query_and_can_run_again()
    {
        await MetadataBootstrapper.ApplyAsync(ConnectionString, CancellationToken.None);
        await MetadataBootstrapper.ApplyAsync(ConnectionString, CancellationToken.None);
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        var keys = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT querykey FROM orleansquery ORDER BY querykey", conn))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) keys.Add(r.GetString(0));
        string[] expected =
        [
            "CleanupDefunctSiloEntriesKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey", "DeleteReminderRowKey",
            "DeleteReminderRowsKey", "DeleteStorageKey", "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey",
            "MembershipReadAllKey", "MembershipReadRowKey", "ReadFromStorageKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "ReadReminderRowKey", "ReadReminderRowsKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "UpsertReminderRowKey",
            "WriteToStorageKey",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_stale_version_or_a_second_first_write_is_refused()
    {
        await MetadataBootstrapper.ApplyAsync(ConnectionString, CancellationToken.None);
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        async Task<int?> Write(int? version, byte value)
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT * FROM ferry_storage_write(1, 2, 3, 4, 'project', NULL, 'svc', @v, @p)", conn);
            cmd.Parameters.Add(new NpgsqlParameter("v", NpgsqlTypes.NpgsqlDbType.Integer) { Value = (object?)version ?? DBNull.Value });
            cmd.Parameters.AddWithValue("p", new[] { value });
            var result = await cmd.ExecuteScalarAsync();
            return result is DBNull or null ? null : (int)result;
        }
        Assert.Equal(1, await Write(null, 1));
        Assert.Null(await Write(null, 2));     // a second "first write" loses
        Assert.Equal(2, await Write(1, 3));
        Assert.Equal(1, await Write(1, 4));    // stale: version unchanged, Orleans raises InconsistentStateException
        await using var read = new NpgsqlCommand("SELECT payloadbinary, version FROM orleansstorage", conn);
        await using var r = await read.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal(new byte[] { 3 }, (byte[])r[0]);
        Assert.Equal(2, r.GetInt32(1));
        Assert.False(await r.ReadAsync());
    }

    [Fact]
    public async Task Two_nodes_on_one_metadata_database_form_one_cluster_and_share_state()
    {
        var key = "two-nodes-" + Guid.NewGuid().ToString("N");
        await using var a = new FerryNode(_db, key);
        await a.StartAsync();
        await using var b = new FerryNode(_db, key);
        await b.StartAsync();
        using var apiA = new FerryClient(a.BaseAddress, key);
        using var apiB = new FerryClient(b.BaseAddress, key);
        var created = await apiA.PostOkAsync("/api/v1/datasources", new { name = "shared", type = "mariadb", host = "127.0.0.1", port = 3307, user = "root", password = "x" });
        var id = created["id"]!.GetValue<string>();
        var seen = await apiB.GetOkAsync($"/api/v1/datasources/{id}");
        Assert.Equal("shared", seen["name"]!.GetValue<string>());

        await using (var conn = new NpgsqlConnection(ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM orleansmembershiptable WHERE status = 3", conn);
            Assert.Equal(2L, (long)(await cmd.ExecuteScalarAsync())!);
        }

        // One node dies; the other keeps serving the same data.
        // While the cluster notices, answers are 503 (retry), never 500; then the grain lives on B.
        a.Kill();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var (status, body) = await apiB.GetAsync($"/api/v1/datasources/{id}");
            if (status == 200)
            {
                Assert.Equal("shared", body!["name"]!.GetValue<string>());
                break;
            }
            Assert.True(status == 503, $"{status}: {body?.ToJsonString()}");
            Assert.Equal("cluster.unavailable", body!["code"]!.GetValue<string>());
            Assert.True(DateTime.UtcNow < deadline, "the surviving node never took over");
            await Task.Delay(500);
        }
    }
}
