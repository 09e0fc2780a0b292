namespace Ferry.Abstractions.Security;

/// <summary>Encrypts data-source passwords at rest with the cluster's key.</summary>
public interface ISecretProtector
{
    string Protect(string plain);
    string Unprotect(string cipher);
}
