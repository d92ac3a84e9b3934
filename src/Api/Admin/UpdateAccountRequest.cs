using System.Text.Json;

namespace RestMail.Api.Admin;

/// <summary>PATCH body: absent fields stay as they are; quota_bytes and display_name may be set to null.</summary>
public sealed record UpdateAccountRequest(string? Password, JsonElement QuotaBytes, JsonElement DisplayName, bool? IsAdmin);
