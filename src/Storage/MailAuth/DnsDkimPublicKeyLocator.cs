using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// Finds DKIM public keys in DNS: the TXT record at &lt;selector&gt;._domainkey.&lt;domain&gt;
/// (RFC 6376 §3.6.2), through the shared resolver. Throws <see cref="DkimKeyLookupException"/>
/// when there is none, so the verifier can tell a temperror from a permerror.
/// </summary>
public sealed class DnsDkimPublicKeyLocator(MailAuthDns dns) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(methods);
        // RFC 6376 §3.5 q=: "dns/txt" is the only query method defined.
        if (!methods.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
            throw new DkimKeyLookupException($"No supported key query method in '{methods}'.", transient: false);
        var name = $"{selector}._domainkey.{domain}";
        if (!DomainName.IsValid(name))
            throw new DkimKeyLookupException($"'{name}' is not a domain name.", transient: false);
        var txt = await dns.TxtAsync(name, cancellationToken);
        if (txt.Status == DnsLookupStatus.Failed)
            throw new DkimKeyLookupException($"The key record {name} could not be looked up.", transient: true);
        if (txt.Values.Count == 0)
            throw new DkimKeyLookupException($"No key record at {name}.", transient: false);
        try
        {
            // §3.6.2.2: with several records the verifier may use the first.
            return GetPublicKey(txt.Values[0]);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A revoked key (empty p=) or a record MimeKit cannot read.
            throw new DkimKeyLookupException($"The key record at {name} is not usable: {e.Message}", e);
        }
    }
}
