using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RestMail.Tests.Api;

internal static class ApiJson
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"Expected {expected}, got {response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task AssertProblemAsync(this Task<HttpResponseMessage> request, HttpStatusCode expected)
    {
        using var response = await request;
        var problem = await response.ReadJsonAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
    }

    public static IEnumerable<string?> Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString());

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string uri, object body) =>
        client.PatchAsJsonAsync(uri, body, TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string uri, object body) =>
        client.PostAsJsonAsync(uri, body, TestContext.Current.CancellationToken);
}
