using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using RestMail.Storage.Dkim;
using RestMail.Tests.Api;
using RestMail.Tests.Dkim;

namespace RestMail.Tests.Interop;

/// <summary>REST Mail and a real Postfix exchanging mail both ways over SMTP on loopback.</summary>
public sealed class PostfixInteropTests(PostfixInteropServer server) : IClassFixture<PostfixInteropServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Postfix_relays_into_rest_mail_and_the_message_arrives_intact()
    {
        var account = await server.CreateLocalAccountAsync();
        var marker = Guid.NewGuid().ToString("N");
        var body = $"Hello from the legacy side.\r\n.A line starting with a dot {marker}\r\n";

        // swaks hands the message to Postfix, which relays it to REST Mail's MX port (with STARTTLS: it is offered).
        await SwaksAsync("--server", $"127.0.0.1:{server.Postfix.Port}", "--from", $"bob@{PostfixInteropServer.LegacyDomain}",
            "--to", account.Address, "--header", $"Subject: interop {marker}", "--body", body);

        var raw = await WaitForInboxAsync(account.Id, 1);
        var message = MimeMessage.Load(new MemoryStream(raw), Ct);
        Assert.Equal($"interop {marker}", message.Subject);
        Assert.Contains($".A line starting with a dot {marker}", message.TextBody, StringComparison.Ordinal);
        // The topmost Received is REST Mail's, naming Postfix's EHLO and TLS; Postfix's own follows.
        var received = message.Headers.Where(h => h.Id == HeaderId.Received).Select(h => h.Value).ToList();
        Assert.StartsWith($"from mx.{PostfixInteropServer.LegacyDomain} ([127.0.0.1])", received[0], StringComparison.Ordinal);
        Assert.Contains("with ESMTPS", received[0], StringComparison.Ordinal);
        Assert.Contains(received.Skip(1), r => r.Contains($"by mx.{PostfixInteropServer.LegacyDomain} (Postfix)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rest_mail_delivers_to_postfix_dkim_signed()
    {
        var account = await server.CreateLocalAccountAsync();
        var token = (await server.SignInAsync(account.Address)).GetProperty("access_token").GetString();
        using var client = server.CreateClient(token);
        var before = server.Postfix.Delivered(PostfixInteropServer.LegacyMailbox).Count;
        var subject = $"to legacy {Guid.NewGuid():N}";

        var sent = await (await client.PostJsonAsync("/v1/messages/send", new
        {
            to = new[] { new { address = $"{PostfixInteropServer.LegacyMailbox}@{PostfixInteropServer.LegacyDomain}" } },
            subject,
            text = "Hello Postfix, this is REST Mail.",
        })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("queued", sent.GetProperty("recipients")[0].GetProperty("status").GetString());

        var delivered = await server.Postfix.WaitForDeliveredAsync(PostfixInteropServer.LegacyMailbox, before + 1, Patience);
        var message = delivered.Select(d => MimeMessage.Load(new MemoryStream(d), Ct)).Single(m => m.Subject == subject);
        Assert.Contains(message.Headers, h => h.Id == HeaderId.Received && h.Value.StartsWith($"from {SmtpServerHostname}", StringComparison.Ordinal));

        // The DKIM signature verifies at the receiving end against the key GET /v1/admin/domains/{name}/dns publishes.
        var key = await server.Services.GetRequiredService<DkimKeyStore>().GetAsync(server.Domain, Ct);
        Assert.NotNull(key);
        var signature = message.Headers.Single(h => h.Id == HeaderId.DkimSignature);
        Assert.Contains($"d={server.Domain}", signature.Value, StringComparison.Ordinal);
        Assert.True(await new DkimVerifier(new StoredKeyLocator(key.Domain, key.Selector, key.RecordValue)).VerifyAsync(message, signature, Ct));
    }

    private const string SmtpServerHostname = Smtp.SmtpServer.Hostname;

    private async Task<byte[]> WaitForInboxAsync(long accountId, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var inbox = await server.InboxAsync(accountId);
            if (inbox.Count >= count)
                return inbox[count - 1];
            await Task.Delay(200, Ct);
        }
        Assert.Fail($"Nothing arrived from Postfix. Its log:\n{server.Postfix.Log()}");
        return [];
    }

    private static async Task SwaksAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("swaks") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"swaks failed: {await output}{await errors}");
    }
}
