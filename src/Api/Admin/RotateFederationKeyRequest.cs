namespace RestMail.Api.Admin;

/// <summary>POST /v1/admin/domains/{name}/federation/keys/rotate.</summary>
/// <param name="SignsInSeconds">
/// How long the new key is published before it signs; default 600. Receivers that cached the old key
/// set (served with max-age 300; an unknown kid is refetched at most once a minute) have the new one
/// by then. 0 signs at once: a receiver that fetched the set within the last minute refuses the new
/// kid until its next refetch, and those messages go over SMTP meanwhile.
/// </param>
public sealed record RotateFederationKeyRequest(int? SignsInSeconds);
