using System.Diagnostics;
using System.Text;
using Ferry.Engine.Errors;
using Ferry.MySql.Binlog;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>
/// MariaDB has no caching_sha2_password and no MySQL server runs here, so the method is checked piece by
/// piece against values produced by openssl, not by our code.
/// </summary>
public sealed class CachingSha2PasswordTests
{
    private static readonly byte[] Nonce = Convert.FromHexString("000102030405060708090a0b0c0d0e0f10111213");

    [Fact]
    public void The_scramble_matches_an_openssl_computation()
    {
        // PW='s3cret-ü'; printf '%s' "$PW" | openssl dgst -sha256 -binary > s1; openssl dgst -sha256 -binary s1 > s2
        // (cat s2; printf 000102…13 | xxd -r -p) | openssl dgst -sha256 -binary > s3; s1 XOR s3:
        const string expected = "d9ee3fdd8bcf9d64cba0a3e8f2e6ec3c2a0e62e407c865163b78c4ced06ab3e7";
        Assert.Equal(expected, Convert.ToHexString(CachingSha2Password.Scramble("s3cret-ü", Nonce)).ToLowerInvariant());
        Assert.Empty(CachingSha2Password.Scramble("", Nonce));
        Assert.NotEqual(expected, Convert.ToHexString(CachingSha2Password.Scramble("s3cret-ü", Nonce.Reverse().ToArray())).ToLowerInvariant());
    }

    [Fact]
    public async Task The_rsa_encrypted_password_decrypts_with_openssl_to_the_password_xor_the_nonce()
    {
        var dir = Directory.CreateTempSubdirectory("ferry-rsa-").FullName;
        try
        {
            var key = Path.Combine(dir, "key.pem");
            await Run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
            var publicPem = await Run("openssl", "pkey", "-in", key, "-pubout");
            const string password = "a password longer than the twenty-byte nonce ✓";

            var blob = CachingSha2Password.EncryptPassword(password, Nonce, publicPem);
            var blobFile = Path.Combine(dir, "blob");
            var clearFile = Path.Combine(dir, "clear");
            await File.WriteAllBytesAsync(blobFile, blob);
            await Run("openssl", "pkeyutl", "-decrypt", "-inkey", key, "-in", blobFile, "-out", clearFile,
                "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1", "-pkeyopt", "rsa_mgf1_md:sha1");
            var clear = await File.ReadAllBytesAsync(clearFile);

            var expected = Encoding.UTF8.GetBytes(password + "\0");
            Assert.Equal(expected.Length, clear.Length);
            for (var i = 0; i < clear.Length; i++) clear[i] ^= Nonce[i % Nonce.Length];
            Assert.Equal(expected, clear);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task Each_server_reply_gets_its_documented_answer()
    {
        // 0x03: fast auth succeeded, nothing to send (the OK packet follows).
        Assert.Null(CachingSha2Password.Continue([0x03], secure: false, "pw", Nonce));
        // 0x04 inside TLS: the password in clear, NUL-terminated.
        Assert.Equal("pw\0"u8.ToArray(), CachingSha2Password.Continue([0x04], secure: true, "pw", Nonce));
        // 0x04 on plain TCP: ask for the public key.
        Assert.Equal([0x02], CachingSha2Password.Continue([0x04], secure: false, "pw", Nonce));
        // The key itself: an RSA blob as long as the key.
        var dir = Directory.CreateTempSubdirectory("ferry-rsa-").FullName;
        try
        {
            var key = Path.Combine(dir, "key.pem");
            await Run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
            var publicPem = await Run("openssl", "pkey", "-in", key, "-pubout");
            var answer = CachingSha2Password.Continue(Encoding.ASCII.GetBytes(publicPem), secure: false, "pw", Nonce);
            Assert.Equal(256, answer!.Length);
        }
        finally { Directory.Delete(dir, recursive: true); }
        // Anything else is a protocol error, not a guess.
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() => CachingSha2Password.Continue([0x07], false, "pw", Nonce)).Code);
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() =>
            CachingSha2Password.Continue("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"u8, false, "pw", Nonce)).Code);
    }

    private static async Task<string> Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(start)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
        return output;
    }
}
