namespace RestMail.Storage.Dkim;

/// <summary>A domain's DKIM key: the selector, the private key (PKCS#8 PEM) and the public key as the TXT record's <c>p=</c> value.</summary>
public sealed record DkimKey(string Domain, string Selector, string PrivateKeyPem, string PublicKeyBase64)
{
    /// <summary>The DNS name of the key record (RFC 6376 §3.6.2.1), without the trailing dot.</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The TXT record's value (RFC 6376 §3.6.1).</summary>
    public string RecordValue => $"v=DKIM1; k=rsa; p={PublicKeyBase64}";
}
