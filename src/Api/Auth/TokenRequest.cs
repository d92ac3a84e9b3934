namespace RestMail.Api.Auth;

/// <summary>Either username + password (grant_type "password", the default) or grant_type "refresh_token".</summary>
public sealed record TokenRequest(string? Username, string? Password, string? GrantType, string? RefreshToken);
