using MimeKit;
using MimeKit.Cryptography;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// Verifies the DKIM signatures of a message (RFC 6376) with MimeKit's <see cref="DkimVerifier"/>
/// and keys from DNS. At most <see cref="MaxSignatures"/> are checked: each costs a DNS query and
/// an RSA operation, and a sender could add any number.
/// </summary>
public sealed class DkimChecker(DnsDkimPublicKeyLocator locator)
{
    public const int MaxSignatures = 5;

    private readonly DkimVerifier _verifier = new(locator);

    /// <summary>One verdict per signature checked, top to bottom; empty when the message is unsigned.</summary>
    public async Task<IReadOnlyList<DkimSignatureVerdict>> VerifyAsync(MimeMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var verdicts = new List<DkimSignatureVerdict>();
        foreach (var signature in message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures))
            verdicts.Add(await VerifyOneAsync(message, signature, ct));
        return verdicts;
    }

    /// <summary>A verdict of <paramref name="result"/> for each signature that would have been checked (the time limit ran out).</summary>
    public static IReadOnlyList<DkimSignatureVerdict> Unverified(MimeMessage message, DkimResult result)
    {
        ArgumentNullException.ThrowIfNull(message);
        return [.. message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures).Select(h => Describe(h, result))];
    }

    private static DkimSignatureVerdict Describe(Header signature, DkimResult result)
    {
        var tags = TagList.Parse(signature.Value);
        tags.TryGetValue("d", out var domain);
        tags.TryGetValue("s", out var selector);
        tags.TryGetValue("b", out var b);
        // RFC 6008 §2: a prefix of b= is enough; it stops before "/" or "=", which would need quoting.
        var prefix = b is null ? null : new string([.. b.Where(c => !char.IsWhiteSpace(c)).TakeWhile(c => char.IsAsciiLetterOrDigit(c) || c == '+').Take(8)]);
        return new DkimSignatureVerdict(result, domain, selector, prefix);
    }

    private async Task<DkimSignatureVerdict> VerifyOneAsync(MimeMessage message, Header signature, CancellationToken ct)
    {
        DkimResult result;
        try
        {
            result = await _verifier.VerifyAsync(message, signature, ct) ? DkimResult.Pass : DkimResult.Fail;
        }
        catch (DkimKeyLookupException e)
        {
            result = e.Transient ? DkimResult.TempError : DkimResult.PermError;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // RFC 8601 §2.7.1: a signature that cannot be processed (bad syntax, an algorithm MimeKit
            // refuses, input it chokes on) is "neutral"; it must never cost the message.
            result = DkimResult.Neutral;
        }
        return Describe(signature, result);
    }
}
