namespace RestMail.Storage.MailAuth;

/// <summary>The "RestMail:MailAuth" section: inbound SPF, DKIM and DMARC checks.</summary>
public sealed class MailAuthOptions
{
    public const string SectionName = "RestMail:MailAuth";

    /// <summary>
    /// The longest all checks of one message may take together. What has not finished by then is
    /// recorded as temperror and the message is accepted anyway: a slow DNS must not lose mail.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Public Suffix List for organizational domains; when missing, the last two labels are used.</summary>
    public string PublicSuffixListPath { get; set; } = PublicSuffixList.DefaultPath;
}
