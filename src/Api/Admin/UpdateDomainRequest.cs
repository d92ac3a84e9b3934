using System.Text.Json;

namespace RestMail.Api.Admin;

/// <summary>PATCH body: quota_bytes absent leaves it, null clears it (unlimited), a number sets it.</summary>
public sealed record UpdateDomainRequest(JsonElement QuotaBytes);
