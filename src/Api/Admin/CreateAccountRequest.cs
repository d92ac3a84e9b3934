namespace RestMail.Api.Admin;

public sealed record CreateAccountRequest(string? Address, string? Password, long? QuotaBytes, string? DisplayName, bool IsAdmin = false);
