using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RestMail.Tests.Smtp;

/// <summary>The real programs users run (swaks), and the idle timeout observed on a real connection.</summary>
public sealed class SmtpEndToEndTests(ShortIdleSmtpServer server) : IClassFixture<ShortIdleSmtpServer>
{
    [Fact]
    public async Task Swaks_submits_with_STARTTLS_and_AUTH_and_the_message_arrives()
    {
        var swaks = new[] { "/usr/bin/swaks", "/usr/local/bin/swaks" }.FirstOrDefault(File.Exists);
        Assert.True(swaks is not null, "swaks is not installed (apt-get install swaks; .ci/run installs it)");
        var sender = await server.CreateAccountAsync();
        var recipient = await server.CreateAccountAsync(domain: sender.Domain);

        var start = new ProcessStartInfo(swaks!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--server", server.Submission.Address.ToString(), "--port", server.Submission.Port.ToString(CultureInfo.InvariantCulture),
            "--helo", "swaks.test", "--tls", "--auth", "PLAIN", "--auth-user", sender.Address, "--auth-password", Infrastructure.ApiServer.Password,
            "--from", sender.Address, "--to", recipient.Address, "--header", "Subject: sent by swaks", "--body", "Hello from swaks.",
        })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(deadline.Token);
        }
        var transcript = await output + await errors;
        Assert.True(process.ExitCode == 0, transcript);
        Assert.Contains("<~  250 2.0.0 OK queued as", transcript, StringComparison.Ordinal);

        var stored = Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(recipient.Id)));
        Assert.StartsWith($"Received: from swaks.test ([127.0.0.1])\r\n\tby {SmtpServer.Hostname} with ESMTPSA id ", stored, StringComparison.Ordinal);
        Assert.Contains("Subject: sent by swaks", stored, StringComparison.Ordinal);
        Assert.Contains("Hello from swaks.", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_client_gets_421_4_4_2_and_is_disconnected()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.Mx, server.ValidateCertificate);
        Assert.StartsWith("220 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        // The server's one-second timer is what ends this read.
        Assert.Equal($"421 4.4.2 {SmtpServer.Hostname} idle timeout, closing connection", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }
}
