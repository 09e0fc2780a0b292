using System.Security.Cryptography;
using System.Text;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>
/// MySQL 8's default authentication method. The client first proves it knows the password with a
/// scramble the server can check against its cache; on a cache miss the server asks for the password
/// itself, which goes in clear only inside TLS and otherwise RSA-encrypted with the server's public key.
/// </summary>
internal static class CachingSha2Password
{
    public const string Name = "caching_sha2_password";

    /// <summary>Auth-more-data byte after the scramble: the server's cache knew the password, OK follows.</summary>
    public const byte FastAuthSuccess = 0x03;

    /// <summary>Auth-more-data byte after the scramble: the server needs the password itself.</summary>
    public const byte PerformFullAuthentication = 0x04;

    /// <summary>What the client sends to ask for the server's RSA public key.</summary>
    public const byte RequestPublicKey = 0x02;

    /// <summary>XOR(SHA256(password), SHA256(SHA256(SHA256(password)) + nonce)); empty for an empty password.</summary>
    public static byte[] Scramble(string password, ReadOnlySpan<byte> nonce)
    {
        if (password.Length == 0) return [];
        var stage1 = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        var stage2 = SHA256.HashData(stage1);
        var salted = SHA256.HashData([.. stage2, .. nonce]);
        for (var i = 0; i < salted.Length; i++) salted[i] ^= stage1[i];
        return salted;
    }

    /// <summary>RSA-OAEP (SHA-1) of (password + NUL) XOR the nonce repeated, under the server's PEM public key.</summary>
    public static byte[] EncryptPassword(string password, ReadOnlySpan<byte> nonce, string publicKeyPem)
    {
        if (nonce.Length == 0) throw new FerryException("binlog.protocol", "caching_sha2_password: the server sent no nonce");
        var clear = Encoding.UTF8.GetBytes(password + "\0");
        for (var i = 0; i < clear.Length; i++) clear[i] ^= nonce[i % nonce.Length];
        using var rsa = RSA.Create();
        try { rsa.ImportFromPem(publicKeyPem); }
        catch (ArgumentException e)
        {
            throw new FerryException("binlog.protocol", "caching_sha2_password: the server's public key is not a PEM RSA key", e);
        }
        return rsa.Encrypt(clear, RSAEncryptionPadding.OaepSHA1);
    }

    /// <summary>
    /// The answer to one auth-more-data packet (its bytes after the 0x01 marker): null when nothing is to be
    /// sent (fast auth succeeded; the OK packet comes next), else the packet to write.
    /// </summary>
    public static byte[]? Continue(ReadOnlySpan<byte> moreData, bool secure, string password, ReadOnlySpan<byte> nonce)
    {
        if (moreData.Length == 1 && moreData[0] == FastAuthSuccess) return null;
        if (moreData.Length == 1 && moreData[0] == PerformFullAuthentication)
            // Inside TLS the link already protects the password; otherwise fetch the key to encrypt it with.
            return secure ? Encoding.UTF8.GetBytes(password + "\0") : [RequestPublicKey];
        var text = Encoding.ASCII.GetString(moreData);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal)) return EncryptPassword(password, nonce, text);
        throw new FerryException("binlog.protocol",
            $"caching_sha2_password: unexpected server data ({moreData.Length} bytes, first 0x{(moreData.Length > 0 ? moreData[0] : 0):X2})");
    }
}
