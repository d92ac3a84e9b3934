using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace RestMail.Tests.Dkim;

/// <summary>
/// Answers key queries from one TXT record value (as published by GET /v1/admin/domains/{name}/dns),
/// for its own selector and domain only; any other query finds no key, as DNS would.
/// </summary>
internal sealed class StoredKeyLocator(string keyDomain, string keySelector, string txtValue) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        if (!string.Equals(domain, keyDomain, StringComparison.OrdinalIgnoreCase) || !string.Equals(selector, keySelector, StringComparison.Ordinal))
            throw new InvalidOperationException($"No key record at {selector}._domainkey.{domain}.");
        return GetPublicKey(txtValue);
    }

    public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
}
