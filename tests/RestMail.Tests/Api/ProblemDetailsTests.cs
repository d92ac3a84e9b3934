using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Api;

public sealed class ProblemDetailsTests(ApiServer server) : IClassFixture<ApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        using var client = server.CreateClient();
        using var response = await client.GetAsync("/v1/no-such-thing", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_that_says_what_is_wrong()
    {
        var (_, admin) = await server.CreateSignedInAsync(admin: true);
        using (admin)
        {
            using var content = new StringContent("{\"name\": \"a.test\",", Encoding.UTF8, "application/json");
            using var response = await admin.PostAsync("/v1/admin/domains", content, Ct);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString();
            Assert.Contains("JSON", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Wrongly_typed_json_is_a_400_problem()
    {
        using var client = server.CreateClient();
        using var content = new StringContent("{\"username\": 42, \"password\": []}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/auth/token", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("username", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_over_the_limit_is_a_413_problem()
    {
        using var client = server.CreateClient();
        var huge = new string('x', 2 * 1024 * 1024);
        using var content = new StringContent($"{{\"username\": \"{huge}\", \"password\": \"x\"}}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/auth/token", content, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Missing_token_is_a_401_problem()
    {
        using var client = server.CreateClient();
        using var response = await client.GetAsync("/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_endpoints()
    {
        using var client = server.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/auth/token", out _));
        Assert.True(paths.TryGetProperty("/v1/admin/accounts/{id}", out _));
        Assert.True(paths.TryGetProperty("/v1/events", out _));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Empty(paths.GetProperty("/v1/auth/token").GetProperty("post").GetProperty("security").EnumerateArray());
    }
}
