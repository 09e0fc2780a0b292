namespace Ferry.MySql;

/// <summary>How a MySQL-family connection uses TLS (data source option <c>sslMode</c>).</summary>
public enum TlsMode
{
    /// <summary>Never: plain TCP even when the server offers TLS.</summary>
    Disabled,
    /// <summary>TLS when the server offers it, without checking its certificate; plain otherwise.</summary>
    Preferred,
    /// <summary>TLS or no connection; any certificate is accepted.</summary>
    Required,
    /// <summary>TLS with a certificate chain that ends at the configured CA (<c>sslCa</c>) or a system root.</summary>
    VerifyCa,
    /// <summary>As <see cref="VerifyCa"/>, and the certificate must name the host connected to.</summary>
    VerifyFull,
}
