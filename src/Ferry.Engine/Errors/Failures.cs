using System.Data.Common;
using System.Net.Sockets;

namespace Ferry.Engine.Errors;

/// <summary>Tells failures worth retrying (the network, a restarting server) from ones that need a person.</summary>
public static class Failures
{
    public static bool IsTransient(Exception e) => e switch
    {
        FerryException f => f.Transient,
        DbException db => db.IsTransient || IsTransientInner(db),
        IOException or SocketException or TimeoutException => true,
        _ => e.InnerException is { } inner && IsTransient(inner),
    };

    private static bool IsTransientInner(Exception e) => e.InnerException is IOException or SocketException or TimeoutException;
}
