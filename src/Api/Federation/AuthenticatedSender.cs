namespace RestMail.Api.Federation;

/// <summary>A delivery request whose token checked out: the sender domain, the key that signed it and where that domain's endpoint is.</summary>
public sealed record AuthenticatedSender(string Domain, string Audience, string Kid, Uri Endpoint);

/// <summary>Why a request was refused: 401 (the token proves nothing) or 403 (it proves something, but not the right to this request).</summary>
public sealed record FederationRefusal(int Status, string Detail);
