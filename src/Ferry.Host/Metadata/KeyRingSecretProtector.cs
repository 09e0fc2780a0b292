using System.Security.Cryptography;
using System.Text;
using Ferry.Abstractions.Security;
using Npgsql;

namespace Ferry.Host.Metadata;

/// <summary>
/// AES-256-GCM for data-source passwords. The key comes from <c>Ferry:SecretsKey</c>, else from
/// the metadata database's key ring, created once so that every node of a cluster shares it.
/// Stored form: <c>v1:</c> + base64(nonce | tag | ciphertext).
/// </summary>
public sealed class KeyRingSecretProtector(byte[] key) : ISecretProtector
{
    private const string Prefix = "v1:";

    public string Protect(string plain)
    {
        var data = Encoding.UTF8.GetBytes(plain);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var tag = new byte[16];
        var cipher = new byte[data.Length];
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, data, cipher, tag);
        return Prefix + Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    public string Unprotect(string protectedText)
    {
        if (!protectedText.StartsWith(Prefix, StringComparison.Ordinal))
            throw new CryptographicException("the stored secret is not in a known format");
        var all = Convert.FromBase64String(protectedText[Prefix.Length..]);
        var plain = new byte[all.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(all.AsSpan(0, 12), all.AsSpan(28), all.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    public static async Task<KeyRingSecretProtector> LoadAsync(string? configuredKey, string metadataConnectionString, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(configuredKey))
        {
            var k = Convert.FromBase64String(configuredKey);
            if (k.Length != 32) throw new InvalidOperationException("Ferry:SecretsKey must be 32 bytes, base64-encoded");
            return new KeyRingSecretProtector(k);
        }
        await using var conn = new NpgsqlConnection(metadataConnectionString);
        await conn.OpenAsync(ct);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO ferry_keyring (name, key_base64) VALUES ('secrets', @k) ON CONFLICT (name) DO NOTHING", conn))
        {
            insert.Parameters.AddWithValue("k", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            await insert.ExecuteNonQueryAsync(ct);
        }
        await using var read = new NpgsqlCommand("SELECT key_base64 FROM ferry_keyring WHERE name = 'secrets'", conn);
        return new KeyRingSecretProtector(Convert.FromBase64String((string)(await read.ExecuteScalarAsync(ct))!));
    }
}
