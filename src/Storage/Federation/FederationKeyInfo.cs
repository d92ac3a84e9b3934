namespace RestMail.Storage.Federation;

/// <summary>One published key of a hosted domain as an operator sees it (never its private half).</summary>
/// <param name="Kid">The RFC 7638 thumbprint the key is published under.</param>
/// <param name="CreatedAt">When it was made and first published.</param>
/// <param name="SignsFrom">From when it may sign.</param>
/// <param name="Signing">Whether it is the key that signs now.</param>
public sealed record FederationKeyInfo(string Kid, DateTimeOffset CreatedAt, DateTimeOffset SignsFrom, bool Signing);
