using System.Text.Json;

namespace RestMail.Api.Admin;

/// <summary>Reads PATCH fields where absent (leave as is) and null (clear) differ.</summary>
internal static class JsonPatchValues
{
    public static bool IsPresent(this JsonElement element) => element.ValueKind != JsonValueKind.Undefined;

    /// <summary>A present field as a nullable non-negative integer; false with an error when it is something else.</summary>
    public static bool TryGetQuota(this JsonElement element, out long? value, out string? error)
    {
        value = null;
        error = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.Number when element.TryGetInt64(out var number) && number >= 0:
                value = number;
                return true;
            default:
                error = "must be a non-negative integer or null.";
                return false;
        }
    }

    /// <summary>A present field as a nullable string.</summary>
    public static bool TryGetString(this JsonElement element, out string? value, out string? error)
    {
        value = null;
        error = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.String:
                value = element.GetString();
                return true;
            default:
                error = "must be a string or null.";
                return false;
        }
    }
}
