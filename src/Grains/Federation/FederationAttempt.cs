using RestMail.Storage.Queue;

namespace RestMail.Grains.Federation;

/// <summary>
/// How a POST /deliver went: per-recipient outcomes, or a reason to use SMTP instead
/// (<see cref="FallBack"/>: nothing can have been delivered, and the endpoint should be avoided for a while).
/// </summary>
internal sealed record FederationAttempt(IReadOnlyList<RecipientOutcome>? Outcomes, string Detail)
{
    public bool FallBack => Outcomes is null;

    public static FederationAttempt UseSmtp(string reason) => new(null, reason);
}
