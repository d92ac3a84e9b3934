namespace RestMail.Api.Admin;

public sealed record CreateDomainRequest(string? Name, long? QuotaBytes);
