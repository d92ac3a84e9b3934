namespace RestMail.Storage.MailAuth;

/// <summary>
/// The public key of a DKIM signature could not be found: <see cref="Transient"/> for a DNS failure
/// (temperror), otherwise a missing or unusable key record (permerror, RFC 6376 §6.1.2).
/// </summary>
public sealed class DkimKeyLookupException : Exception
{
    public DkimKeyLookupException()
    {
    }

    public DkimKeyLookupException(string message)
        : base(message)
    {
    }

    public DkimKeyLookupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DkimKeyLookupException(string message, bool transient)
        : base(message) => Transient = transient;

    public bool Transient { get; }
}
