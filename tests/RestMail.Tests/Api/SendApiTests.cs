using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Mailboxes;

namespace RestMail.Tests.Api;

public sealed class SendApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Json_compose_delivers_locally_queues_remote_and_files_a_sent_copy()
    {
        var (sender, client) = await server.CreateSignedInAsync();
        var (recipient, recipientClient) = await server.CreateSignedInAsync(domain: sender.Domain);
        using var _s = client;
        using var _r = recipientClient;

        var sent = await (await client.PostJsonAsync("/v1/messages/send", new
        {
            to = new[] { new { address = recipient.Address, name = "R" } },
            cc = new[] { new { address = "someone@remote.example" } },
            subject = "Hello over REST",
            text = "Hi there.",
        })).ReadJsonAsync(HttpStatusCode.OK);

        var statuses = sent.GetProperty("recipients").EnumerateArray().ToDictionary(r => r.GetProperty("address").GetString()!, r => r.GetProperty("status").GetString());
        Assert.Equal("delivered", statuses[recipient.Address]);
        Assert.Equal("queued", statuses["someone@remote.example"]);
        Assert.True(sent.GetProperty("queue_id").GetInt64() > 0);

        var sentCopy = await (await client.GetAsync($"/v1/messages/{sent.GetProperty("message_id").GetInt64()}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Hello over REST", sentCopy.GetProperty("subject").GetString());
        Assert.Equal(sender.Address, sentCopy.GetProperty("from").GetProperty("address").GetString());

        var found = await (await recipientClient.GetAsync("/v1/search?q=subject:REST", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var received = Assert.Single(found.GetProperty("items").EnumerateArray());
        var detail = await (await recipientClient.GetAsync($"/v1/messages/{received.GetProperty("id").GetInt64()}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Contains("Hi there.", detail.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_compose_attachments_arrive_intact()
    {
        var (sender, client) = await server.CreateSignedInAsync();
        var (recipient, recipientClient) = await server.CreateSignedInAsync(domain: sender.Domain);
        using var _s = client;
        using var _r = recipientClient;
        var file = new byte[5000];
        new Random(7).NextBytes(file);

        await (await client.PostJsonAsync("/v1/messages/send", new
        {
            to = new[] { new { address = recipient.Address } },
            subject = "with a file",
            html = "<p>See <b>attached</b></p><script>alert(1)</script>",
            attachments = new[] { new { file_name = "data.bin", content_type = "application/octet-stream", content = Convert.ToBase64String(file) } },
        })).ReadJsonAsync(HttpStatusCode.OK);

        var found = await (await recipientClient.GetAsync("/v1/search?q=has:attachment", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var id = Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64();
        var detail = await (await recipientClient.GetAsync($"/v1/messages/{id}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain("<script", detail.GetProperty("html").GetString(), StringComparison.OrdinalIgnoreCase);
        var attachment = Assert.Single(detail.GetProperty("attachments").EnumerateArray());
        Assert.Equal("data.bin", attachment.GetProperty("file_name").GetString());
        Assert.Equal(file, await recipientClient.GetByteArrayAsync($"/v1/messages/{id}/attachments/{attachment.GetProperty("index").GetInt32()}", Ct));
    }

    [Fact]
    public async Task Raw_send_uses_header_recipients_and_strips_bcc()
    {
        var (sender, client) = await server.CreateSignedInAsync();
        var (hidden, hiddenClient) = await server.CreateSignedInAsync(domain: sender.Domain);
        var (visible, _) = await server.CreateSignedInAsync(domain: sender.Domain);
        using var _s = client;
        using var _h = hiddenClient;
        var headers = $"From: Sender <{sender.Address}>\r\nTo: {visible.Address}\r\nSubject: raw send\r\nMessage-ID: <raw-{Guid.NewGuid():N}@test>\r\n";
        var body = "\r\nRaw body, kept   exactly.\r\n";
        var raw = Encoding.ASCII.GetBytes(headers + $"Bcc: {hidden.Address},\r\n  nobody@remote.example\r\n" + body);
        using var content = new ByteArrayContent(raw);
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");

        var sent = await (await client.PostAsync("/v1/messages/send", content, Ct)).ReadJsonAsync(HttpStatusCode.OK);

        var statuses = sent.GetProperty("recipients").EnumerateArray().ToDictionary(r => r.GetProperty("address").GetString()!, r => r.GetProperty("status").GetString());
        Assert.Equal("delivered", statuses[hidden.Address]);
        Assert.Equal("delivered", statuses[visible.Address]);
        Assert.Equal("queued", statuses["nobody@remote.example"]);
        var inbox = await (await hiddenClient.GetAsync("/v1/search?q=in:inbox", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var id = Assert.Single(inbox.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64();
        var stored = await hiddenClient.GetByteArrayAsync($"/v1/messages/{id}/raw", Ct);
        // The message had no Date: the server put one on top (RFC 6409 §8.2); nothing else changed.
        Assert.Matches($@"\ADate: [A-Z][a-z]{{2}}, \d{{2}} [A-Z][a-z]{{2}} \d{{4}} \d{{2}}:\d{{2}}:\d{{2}} \+0000\r\n{Regex.Escape(headers + body)}\z", Encoding.ASCII.GetString(stored));
    }

    [Fact]
    public async Task Raw_send_without_a_Message_ID_gets_one_and_the_answer_names_it()
    {
        var (sender, client) = await server.CreateSignedInAsync();
        var (recipient, recipientClient) = await server.CreateSignedInAsync(domain: sender.Domain);
        using var _s = client;
        using var _r = recipientClient;
        const string date = "Date: Mon, 07 Dec 2026 10:00:00 +0100\r\n";
        var rest = $"From: {sender.Address}\r\nTo: {recipient.Address}\r\nSubject: no id\r\n\r\nbody\r\n";
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(date + rest));
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");

        var sent = await (await client.PostAsync("/v1/messages/send", content, Ct)).ReadJsonAsync(HttpStatusCode.OK);

        var messageId = sent.GetProperty("message_id_header").GetString();
        Assert.Matches(@"\A[0-9a-f]{32}@", messageId);
        var inbox = await (await recipientClient.GetAsync("/v1/search?q=in:inbox", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var id = Assert.Single(inbox.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64();
        var stored = await recipientClient.GetByteArrayAsync($"/v1/messages/{id}/raw", Ct);
        Assert.Equal($"Message-ID: <{messageId}>\r\n" + date + rest, Encoding.ASCII.GetString(stored));
    }

    [Fact]
    public async Task Sending_as_someone_else_or_with_no_recipient_is_refused()
    {
        var (_, client) = await server.CreateSignedInAsync();
        using var _c = client;

        await client.PostJsonAsync("/v1/messages/send", new { from = new { address = "ceo@bank.example" }, to = new[] { new { address = "x@remote.example" } }, text = "send money" })
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await client.PostJsonAsync("/v1/messages/send", new { subject = "nobody", text = "hello?" })
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        using var spoofed = new ByteArrayContent(Encoding.ASCII.GetBytes("From: ceo@bank.example\r\nTo: x@remote.example\r\n\r\nhi\r\n"));
        spoofed.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        await client.PostAsync("/v1/messages/send", spoofed, Ct).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        using var text = new StringContent("hello", Encoding.UTF8, "text/plain");
        await client.PostAsync("/v1/messages/send", text, Ct).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        using var broken = new StringContent("{\"to\": [", Encoding.UTF8, "application/json");
        await client.PostAsync("/v1/messages/send", broken, Ct).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Raw_send_over_50_MB_is_413_before_the_body_is_read()
    {
        var (_, client) = await server.CreateSignedInAsync();
        using var _c = client;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages/send") { Content = new DeclaredLengthContent(50L * 1024 * 1024 + 1) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        request.Headers.ExpectContinue = true;

        await client.SendAsync(request, Ct).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Message_detail_lists_attachments_and_each_downloads()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.4 pretend " + new string('p', 3000));
        var delivered = await server.DeliverAsync(account.Id, TestMessages.WithAttachment("with file", pdf));

        var detail = await (await client.GetAsync($"/v1/messages/{delivered.MessageId}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(detail.GetProperty("has_attachments").GetBoolean());
        var attachment = Assert.Single(detail.GetProperty("attachments").EnumerateArray());
        Assert.Equal("report.pdf", attachment.GetProperty("file_name").GetString());
        Assert.Contains("attached report", detail.GetProperty("text").GetString(), StringComparison.Ordinal);

        using var download = await client.GetAsync($"/v1/messages/{delivered.MessageId}/attachments/{attachment.GetProperty("index").GetInt32()}", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync(Ct));
        await client.GetAsync($"/v1/messages/{delivered.MessageId}/attachments/7", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>A body that announces a length and would stream zeros, if anyone asked for it.</summary>
    private sealed class DeclaredLengthContent(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < length; sent += chunk.Length)
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - sent)));
        }

        protected override bool TryComputeLength(out long size)
        {
            size = length;
            return true;
        }
    }
}
