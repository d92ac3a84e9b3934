using RestMail.Storage.Queue;

namespace RestMail.Grains.Federation;

/// <summary>
/// How a POST /deliver went: per-recipient outcomes, or a reason to use SMTP instead
/// (<see cref="FallBack"/>: nothing can have been delivered). <see cref="EndpointFailed"/> says the
/// endpoint itself is at fault (avoid it for a while); <see cref="Unanswered"/> that the request was
/// sent and no answer came, so the receiver may have committed.
/// </summary>
internal sealed record FederationAttempt(IReadOnlyList<RecipientOutcome>? Outcomes, string Detail, bool EndpointFailed = false, bool Unanswered = false)
{
    public bool FallBack => Outcomes is null;

    public static FederationAttempt UseSmtp(string reason, bool endpointFailed = true) => new(null, reason, endpointFailed);
}
