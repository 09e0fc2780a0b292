using Ferry.Api.Endpoints;
using Ferry.Host.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Runtime;

namespace Ferry.Host.Startup;

/// <summary>Ready when this silo is an active cluster member and the metadata database answers.</summary>
public sealed class NodeReadiness(IClusterMembershipService membership, ILocalSiloDetails silo, IConfiguration config) : IReadiness
{
    public async Task<(bool Ready, string Detail)> CheckAsync(CancellationToken ct)
    {
        var me = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (me != SiloStatus.Active) return (false, $"silo {silo.SiloAddress} is {me}");
        try
        {
            await using var conn = new NpgsqlConnection(FerryMetadata.ConnectionString(config));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await conn.OpenAsync(timeout.Token);
            await using var cmd = new NpgsqlCommand("select 1", conn);
            await cmd.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return (false, "the metadata database is unreachable: " + e.Message);
        }
        return (true, $"silo {silo.SiloAddress} active");
    }
}
