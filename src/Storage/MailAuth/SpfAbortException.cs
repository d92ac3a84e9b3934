namespace RestMail.Storage.MailAuth;

/// <summary>
/// Ends a check_host() run from deep inside include/redirect recursion with a temperror or
/// permerror (RFC 7208 §4.6.4, §5.2). Thrown and caught only within <see cref="SpfChecker"/>.
/// </summary>
internal sealed class SpfAbortException(SpfResult result) : Exception($"SPF evaluation ended with {result}.")
{
    public SpfResult Result { get; } = result;
}
