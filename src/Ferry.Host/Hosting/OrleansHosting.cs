using System.Net;
using Ferry.Abstractions.Security;
using Ferry.Host.Metadata;
using Orleans.Configuration;
using Orleans.Storage;

namespace Ferry.Host.Hosting;

public static class OrleansHosting
{
    /// <summary>
    /// This node's silo: clustering, grain state and reminders in the metadata database through the
    /// Orleans ADO.NET providers, after our scripts have been applied.
    /// </summary>
    public static WebApplicationBuilder AddFerrySilo(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var provider = FerryMetadata.Provider(config);
        if (provider != "postgresql")
            throw new InvalidOperationException($"Ferry:Metadata:Provider '{provider}' is not supported yet; use 'postgresql'");
        var connectionString = FerryMetadata.ConnectionString(config);
        const string invariant = "Npgsql";

        // Tables and queries must exist before Orleans reads them; the key ring lives there too.
        using (var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            MetadataBootstrapper.ApplyAsync(connectionString, startup.Token).GetAwaiter().GetResult();
            var protector = KeyRingSecretProtector.LoadAsync(config["Ferry:SecretsKey"], connectionString, startup.Token).GetAwaiter().GetResult();
            builder.Services.AddSingleton<ISecretProtector>(protector);
        }

        var clusterId = config["Ferry:Cluster:Id"] is { Length: > 0 } id ? id : "ferry";
        var siloPort = config.GetValue("Ferry:Cluster:SiloPort", 11111);
        var gatewayPort = config.GetValue("Ferry:Cluster:GatewayPort", 30000);
        var advertised = IPAddress.Parse(config["Ferry:Cluster:AdvertisedIp"] ?? "127.0.0.1");

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            });
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: advertised.Equals(IPAddress.Loopback) == false);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage("ferry", o =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;
            });
            // A killed node is declared dead in seconds so its grains move quickly.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.DefunctSiloExpiration = TimeSpan.FromHours(1);
            });
        });

        // Grain state is written with Orleans' own serializer: [GenerateSerializer]/[Alias] types
        // survive renames, where the default JSON serializer stores CLR type names.
        builder.Services.AddOptions<AdoNetGrainStorageOptions>("ferry")
            .Configure<IServiceProvider>((o, sp) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()));
        return builder;
    }
}
