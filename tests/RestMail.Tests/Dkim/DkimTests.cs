using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using RestMail.Api.Admin;
using RestMail.Storage.Dkim;
using RestMail.Tests.Infrastructure;
using DkimSigner = RestMail.Storage.Dkim.DkimSigner;

namespace RestMail.Tests.Dkim;

public sealed class DkimTests(DkimApiServer server) : IClassFixture<DkimApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DkimSigner Signer => server.Services.GetRequiredService<DkimSigner>();

    [Fact]
    public async Task Creating_a_domain_through_the_admin_api_stores_an_rsa_2048_key_that_stays_the_same()
    {
        using var admin = await AdminAsync();
        var name = await CreateDomainAsync(admin);

        var stored = await StoredKeyAsync(name);
        Assert.NotNull(stored);
        var (selector, privatePem, publicBase64) = stored.Value;
        Assert.Equal("rm" + DateTime.UtcNow.Year, selector);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privatePem);
        Assert.Equal(2048, rsa.KeySize);
        Assert.Equal(publicBase64, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));

        var first = await DkimRecordAsync(admin, name);
        var second = await DkimRecordAsync(admin, name);
        Assert.Equal(first.GetRawText(), second.GetRawText());
        Assert.Equal($"v=DKIM1; k=rsa; p={publicBase64}", first.GetProperty("value").GetString());
        Assert.Equal(stored, await StoredKeyAsync(name));
    }

    [Fact]
    public async Task Dns_endpoint_lists_the_five_records_to_publish()
    {
        using var admin = await AdminAsync();
        var name = await CreateDomainAsync(admin);
        var (selector, _, publicBase64) = (await StoredKeyAsync(name))!.Value;

        using var response = await admin.GetAsync($"/v1/admin/domains/{name.ToUpperInvariant()}/dns", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var records = body.EnumerateArray()
            .Select(r => (r.GetProperty("type").GetString(), r.GetProperty("name").GetString(), r.GetProperty("value").GetString()))
            .ToList();
        Assert.All(body.EnumerateArray(),
            r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("purpose").GetString())));

        const string host = "mx.dkim-host.test";
        Assert.Equal(
        [
            ("MX", $"{name}.", $"10 {host}."),
            ("TXT", $"{name}.", "v=spf1 mx -all"),
            ("TXT", $"{selector}._domainkey.{name}.", $"v=DKIM1; k=rsa; p={publicBase64}"),
            ("TXT", $"_dmarc.{name}.", $"v=DMARC1; p=quarantine; rua=mailto:postmaster@{name}"),
            ("TXT", $"_restmail.{name}.", $"v=restmail1 endpoint=https://{host}/v1"),
        ], records);
    }

    [Fact]
    public async Task Dns_endpoint_is_for_admins_only_and_404_for_unknown_domains()
    {
        using var admin = await AdminAsync();
        var name = await CreateDomainAsync(admin);
        var (_, user) = await server.CreateSignedInAsync();
        using (user)
        {
            using var forbidden = await user.GetAsync($"/v1/admin/domains/{name}/dns", Ct);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }
        using var anonymous = server.CreateClient();
        using (var unauthenticated = await anonymous.GetAsync($"/v1/admin/domains/{name}/dns", Ct))
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);

        var unknown = ApiServer.UniqueDomain();
        using var notFound = await admin.GetAsync($"/v1/admin/domains/{unknown}/dns", Ct);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("application/problem+json", notFound.Content.Headers.ContentType?.MediaType);
        Assert.Null(await StoredKeyAsync(unknown));
    }

    [Fact]
    public async Task Admin_bootstrap_domains_get_a_key()
    {
        var domain = ApiServer.UniqueDomain();

        await AdminBootstrap.RunAsync(server.DataSource, $"root@{domain}", ApiServer.Password, Ct);

        var stored = await StoredKeyAsync(domain);
        Assert.NotNull(stored);
        Assert.Equal(stored.Value.Selector, (await server.Services.GetRequiredService<DkimKeyStore>().GetAsync(domain, Ct))!.Selector);
    }

    [Fact]
    public async Task A_domain_without_a_key_gets_one_on_first_use_and_keeps_it()
    {
        var domain = ApiServer.UniqueDomain();
        Assert.True((await server.Directory.CreateDomainAsync(domain, null, Ct)).IsOk);
        await using (var delete = server.DataSource.CreateCommand("DELETE FROM dkim_keys WHERE domain_id = (SELECT id FROM domains WHERE name = $1)"))
        {
            delete.Parameters.AddWithValue(domain);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync(Ct)); // as if created before 0003_dkim
        }
        var keys = server.Services.GetRequiredService<DkimKeyStore>();

        var made = await keys.GetAsync(domain, Ct);
        var again = await keys.GetAsync(domain, Ct);

        Assert.NotNull(made);
        Assert.Equal(made, again);
        Assert.Equal(made.PublicKeyBase64, (await StoredKeyAsync(domain))!.Value.PublicKey);
    }

    [Fact]
    public async Task Deleting_a_domain_deletes_its_key()
    {
        using var admin = await AdminAsync();
        var name = await CreateDomainAsync(admin);
        Assert.NotNull(await StoredKeyAsync(name));

        using var deleted = await admin.DeleteAsync($"/v1/admin/domains/{name}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await using var count = server.DataSource.CreateCommand("SELECT count(*) FROM dkim_keys k WHERE NOT EXISTS (SELECT 1 FROM domains d WHERE d.id = k.domain_id)");
        Assert.Equal(0L, await count.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task A_signed_message_verifies_against_the_published_key_and_fails_after_a_body_change()
    {
        using var admin = await AdminAsync();
        var name = await CreateDomainAsync(admin);
        var record = await DkimRecordAsync(admin, name);
        var selector = record.GetProperty("name").GetString()!.Split("._domainkey.")[0];
        var raw = Message(name);

        var signed = await Signer.SignAsync(name.ToUpperInvariant(), raw, Ct);

        // The original bytes follow the one new header, untouched.
        Assert.Equal(raw, signed[^raw.Length..]);
        var prefix = Encoding.ASCII.GetString(signed[..^raw.Length]);
        Assert.StartsWith("DKIM-Signature:", prefix, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", prefix, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", prefix.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var tags = Tags(prefix["DKIM-Signature:".Length..]);
        Assert.Equal("rsa-sha256", tags["a"]);
        Assert.Equal("relaxed/relaxed", tags["c"]);
        Assert.Equal(name, tags["d"]);
        Assert.Equal(selector, tags["s"]);
        Assert.False(tags.ContainsKey("l"));
        var signedHeaders = tags["h"].Split(':').Select(h => h.ToLowerInvariant()).ToHashSet();
        Assert.Superset(new HashSet<string> { "from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references", "mime-version", "content-type" }, signedHeaders);

        Assert.DoesNotContain("x-unsigned", signedHeaders);

        var locator = new StoredKeyLocator(name, selector, record.GetProperty("value").GetString()!);
        Assert.True(await VerifyAsync(signed, locator));

        var tampered = (byte[])signed.Clone();
        var bodyStart = tampered.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        var at = Array.IndexOf(tampered, (byte)'w', bodyStart);
        tampered[at] = (byte)'W';
        Assert.False(await VerifyAsync(tampered, locator));

        // A key of another domain does not verify it either.
        var otherName = await CreateDomainAsync(admin);
        var other = await DkimRecordAsync(admin, otherName);
        Assert.False(await VerifyAsync(signed, new StoredKeyLocator(name, selector, other.GetProperty("value").GetString()!)));
    }

    [Fact]
    public async Task A_multipart_message_with_an_attachment_verifies()
    {
        using var admin = await AdminAsync();
        var name = await CreateDomainAsync(admin);
        var record = await DkimRecordAsync(admin, name);
        var selector = record.GetProperty("name").GetString()!.Split("._domainkey.")[0];
        var builder = new BodyBuilder { TextBody = "Grüße  with   spaces \r\nand trailing blanks   \r\n\r\n\r\n", HtmlBody = "<p>Grüße</p>" };
        builder.Attachments.Add("data.bin", RandomNumberGenerator.GetBytes(10_000));
        var message = new MimeMessage { Subject = "Ünïcode subject", Body = builder.ToMessageBody() };
        message.From.Add(new MailboxAddress("Sender", $"sender@{name}"));
        message.To.Add(new MailboxAddress("Rcpt", "rcpt@elsewhere.test"));
        using var stream = new MemoryStream();
        await message.WriteToAsync(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream, Ct);
        var raw = stream.ToArray();

        var signed = await Signer.SignAsync(name, raw, Ct);

        Assert.True(await VerifyAsync(signed, new StoredKeyLocator(name, selector, record.GetProperty("value").GetString()!)));
    }

    [Fact]
    public async Task Signing_for_a_domain_that_is_not_hosted_returns_the_bytes_unchanged()
    {
        var raw = Message("elsewhere.test");

        var result = await Signer.SignAsync(ApiServer.UniqueDomain(), raw, Ct);

        Assert.Same(raw, result);
        Assert.Same(raw, await Signer.SignAsync("not a domain", raw, Ct));
    }

    private static async Task<bool> VerifyAsync(byte[] signed, IDkimPublicKeyLocator locator)
    {
        using var stream = new MemoryStream(signed);
        var message = await MimeMessage.LoadAsync(stream, Ct);
        var signature = message.Headers.First(h => h.Id == HeaderId.DkimSignature);
        return await new DkimVerifier(locator).VerifyAsync(message, signature, Ct);
    }

    private static Dictionary<string, string> Tags(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.Split('=', 2))
            .ToDictionary(t => t[0], t => string.Concat(t[1].Where(c => !char.IsWhiteSpace(c))));

    private static byte[] Message(string domain) => Encoding.UTF8.GetBytes(
        $"From: Alice <alice@{domain}>\r\n" +
        "To: bob@elsewhere.test\r\n" +
        "Cc: carol@elsewhere.test\r\n" +
        "Subject: Signed   with\r\n folded  header\r\n" +
        "Date: Tue, 24 Nov 2026 14:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@{domain}>\r\n" +
        "In-Reply-To: <parent@elsewhere.test>\r\n" +
        "References: <root@elsewhere.test> <parent@elsewhere.test>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "X-Unsigned: not covered\r\n" +
        "\r\n" +
        "Hello Bob,\r\n\r\nthis was signed by REST Mail.  \r\n\r\n\r\n");

    private async Task<HttpClient> AdminAsync() => (await server.CreateSignedInAsync(admin: true)).Client;

    private static async Task<string> CreateDomainAsync(HttpClient admin)
    {
        var name = ApiServer.UniqueDomain();
        using var created = await admin.PostAsJsonAsync("/v1/admin/domains", new { name }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return name;
    }

    private static async Task<JsonElement> DkimRecordAsync(HttpClient admin, string name)
    {
        var records = await admin.GetFromJsonAsync<JsonElement>($"/v1/admin/domains/{name}/dns", Ct);
        return records.EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("._domainkey.", StringComparison.Ordinal));
    }

    private async Task<(string Selector, string PrivateKey, string PublicKey)?> StoredKeyAsync(string domain)
    {
        await using var command = server.DataSource.CreateCommand(
            "SELECT k.selector, k.private_key_pem, k.public_key_base64 FROM dkim_keys k JOIN domains d ON d.id = k.domain_id WHERE d.name = $1");
        command.Parameters.AddWithValue(domain);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        return await reader.ReadAsync(Ct) ? (reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }
}
