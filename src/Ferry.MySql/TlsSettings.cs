using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using MySqlConnector;

namespace Ferry.MySql;

/// <summary>
/// The TLS choice of a data source, read once from its options (<c>sslMode</c>, <c>sslCa</c> as PEM text)
/// and applied the same way to MySqlConnector sessions and to our binlog socket, so that a snapshot
/// reader, a writer and the binlog stream to one server never differ in how they protect the link.
/// </summary>
public sealed record TlsSettings(TlsMode Mode, string? CaPem)
{
    public static readonly TlsSettings Default = new(TlsMode.Preferred, null);

    public bool Verifies => Mode is TlsMode.VerifyCa or TlsMode.VerifyFull;

    public static TlsSettings From(ConnectionInfo connection)
    {
        var options = connection.Options;
        if (options is null) return Default;
        var mode = TlsMode.Preferred;
        if (options.TryGetValue("sslMode", out var text) && !string.IsNullOrWhiteSpace(text))
        {
            // MySQL's spelling (verify-ca) and MySqlConnector's (VerifyCA, None) are both accepted.
            mode = text.Trim().Replace("-", "").Replace("_", "").ToLowerInvariant() switch
            {
                "disabled" or "none" => TlsMode.Disabled,
                "preferred" => TlsMode.Preferred,
                "required" => TlsMode.Required,
                "verifyca" => TlsMode.VerifyCa,
                "verifyfull" or "verifyidentity" => TlsMode.VerifyFull,
                _ => throw new FerryException("datasource.ssl-mode-invalid",
                    $"sslMode '{text}' is not one of disabled, preferred, required, verify-ca, verify-full"),
            };
        }
        string? ca = null;
        if (options.TryGetValue("sslCa", out var pem) && !string.IsNullOrWhiteSpace(pem))
        {
            ca = pem.Trim();
            try { using var _ = X509Certificate2.CreateFromPem(ca); }
            catch (CryptographicException e)
            {
                throw new FerryException("datasource.ssl-ca-invalid", $"sslCa is not a PEM certificate: {e.Message}", e);
            }
        }
        return new TlsSettings(mode, ca);
    }

    /// <summary>Sets the same choice on a MySqlConnector connection string.</summary>
    public void Apply(MySqlConnectionStringBuilder b)
    {
        b.SslMode = Mode switch
        {
            TlsMode.Disabled => MySqlSslMode.None,
            TlsMode.Preferred => MySqlSslMode.Preferred,
            TlsMode.Required => MySqlSslMode.Required,
            TlsMode.VerifyCa => MySqlSslMode.VerifyCA,
            _ => MySqlSslMode.VerifyFull,
        };
        if (Verifies && CaPem is not null) b.SslCa = CaFile(CaPem);
    }

    /// <summary>
    /// Checks a server certificate for the binlog socket; null when it is acceptable, else why not.
    /// <paramref name="errors"/> are what the platform found against its own roots and the host name.
    /// </summary>
    public string? Reject(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (!Verifies) return null; // required/preferred: encryption without authentication, as MySQL clients do
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return "the server presented no certificate";
        if (Mode == TlsMode.VerifyFull && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return "the server certificate does not name the host connected to";
        if (CaPem is null)
            return errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)
                ? "the server certificate does not chain to a trusted root (give the CA as sslCa)" : null;
        // sslCa may be a bundle (several CAs, or a root and intermediates): all of it is trusted
        var cas = new X509Certificate2Collection();
        cas.ImportFromPem(CaPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        using var leaf = new X509Certificate2(certificate);
        var built = chain.Build(leaf);
        foreach (var c in cas) c.Dispose();
        return built ? null
            : "the server certificate does not chain to the CA given as sslCa: "
              + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
    }

    /// <summary>
    /// MySqlConnector reads a CA only from a file: the PEM (a public certificate, not a secret) is kept
    /// under a name derived from its content, so every session with the same CA shares one file and pool.
    /// </summary>
    private static string CaFile(string pem)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ferry-ca");
        var path = Path.Combine(dir, Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(pem)))[..32] + ".pem");
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(dir);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, pem);
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
