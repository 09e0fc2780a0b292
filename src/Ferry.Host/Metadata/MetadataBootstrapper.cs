using System.Reflection;
using Npgsql;

namespace Ferry.Host.Metadata;

/// <summary>
/// Creates the metadata database if needed and applies our scripts (tables and the queries the
/// Orleans ADO.NET providers run) before the silo touches them. Safe when several nodes start at
/// once: the scripts are idempotent and run under an advisory lock.
/// </summary>
public static class MetadataBootstrapper
{
    private const long LockKey = 0x46455252_59; // "FERRY"

    public static async Task ApplyAsync(string connectionString, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        await EnsureDatabaseAsync(builder, ct);
        await using var conn = new NpgsqlConnection(builder.ConnectionString);
        await conn.OpenAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", conn)) await lockCmd.ExecuteNonQueryAsync(ct);
        try
        {
            foreach (var (name, sql) in Scripts())
            {
                await using var cmd = new NpgsqlCommand(sql, conn);
                try { await cmd.ExecuteNonQueryAsync(ct); }
                catch (PostgresException e)
                {
                    throw new InvalidOperationException($"metadata script {name} failed: {e.MessageText}", e);
                }
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", conn);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task EnsureDatabaseAsync(NpgsqlConnectionStringBuilder target, CancellationToken ct)
    {
        var database = target.Database ?? "postgres";
        var admin = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        try { await conn.OpenAsync(ct); }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"the metadata database at {target.Host}:{target.Port} is unreachable ({e.Message}); set Ferry__Metadata__ConnectionString", e);
        }
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @d", conn);
        exists.Parameters.AddWithValue("d", database);
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        var quoted = "\"" + database.Replace("\"", "\"\"") + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", conn);
        try { await create.ExecuteNonQueryAsync(ct); }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase) { /* another node won */ }
    }

    private static IEnumerable<(string Name, string Sql)> Scripts()
    {
        var asm = Assembly.GetExecutingAssembly();
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.Contains(".postgresql-") && n.EndsWith(".sql")).Order(StringComparer.Ordinal))
        {
            using var stream = asm.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name, reader.ReadToEnd());
        }
    }
}
