using System.Security.Cryptography;
using System.Text;

namespace Ferry.Api.Auth;

public static class ApiKeys
{
    /// <summary>Keys are addressed by their SHA-256, so the key itself is never stored.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string NewKey() => "fk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
