using System.Globalization;
using System.Text;

namespace Ferry.PostgreSql.Replication;

/// <summary>
/// The slot and publication of a stream: derived from the stream's seed, so the same stream finds its own
/// slot again after a restart, and within PostgreSQL's 63-byte, lower-case name rules.
/// </summary>
public static class PgReplicationNames
{
    public static string For(string seed)
    {
        // FNV-1a 64: stable across processes, unlike string.GetHashCode
        var hash = 14695981039346656037ul;
        foreach (var b in Encoding.UTF8.GetBytes(seed)) hash = unchecked((hash ^ b) * 1099511628211ul);
        var readable = new string(seed.ToLowerInvariant().Select(ch => ch is >= 'a' and <= 'z' or >= '0' and <= '9' ? ch : '_').Take(40).ToArray());
        return "ferry_" + readable + "_" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }
}
