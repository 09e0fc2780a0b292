namespace Ferry.Host.Hosting;

/// <summary>Where Ferry keeps its own state: Orleans clustering, grain state, reminders, the key ring.</summary>
public static class FerryMetadata
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5433;Username=postgres;Password=ferry;Database=ferry";

    public static string Provider(IConfiguration config) => config["Ferry:Metadata:Provider"] ?? "postgresql";

    public static string ConnectionString(IConfiguration config) =>
        config["Ferry:Metadata:ConnectionString"] is { Length: > 0 } cs ? cs : DefaultConnectionString;
}
