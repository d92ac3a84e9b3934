namespace RestMail.Api.Auth;

/// <summary>RFC 6749 §5.1 access token response.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, int ExpiresIn, string TokenType);
