using System.Globalization;
using System.Text;
using RestMail.Tests.Imap;

namespace RestMail.Tests.Smtp;

/// <summary>The real programs users run (swaks), and the idle timeout observed on a real connection.</summary>
public sealed class SmtpEndToEndTests(ShortIdleSmtpServer server) : IClassFixture<ShortIdleSmtpServer>
{
    /// <summary>How swaks reaches the server: the MX port, or one of the two submission ports with AUTH.</summary>
    public enum SwaksRoute
    {
        Mx,
        SubmissionStartTls,
        SubmissionImplicitTls,
    }

    [Theory]
    [InlineData(SwaksRoute.Mx)]
    [InlineData(SwaksRoute.SubmissionStartTls)]
    [InlineData(SwaksRoute.SubmissionImplicitTls)]
    public async Task Swaks_delivers_and_the_message_appears_through_the_REST_API_byte_exact_under_the_added_headers(SwaksRoute route)
    {
        var swaks = ExternalProgram.Require("swaks", "swaks");
        var recipient = await server.CreateAccountAsync();
        var sender = route == SwaksRoute.Mx ? "someone@elsewhere.test" : (await server.CreateAccountAsync(domain: recipient.Domain)).Address;
        // swaks sends --data as given (dot-stuffed on the wire) followed by CRLF . CRLF, so a file
        // without a final line end arrives as exactly these bytes.
        var message = $"From: <{sender}>\r\nTo: <{recipient.Address}>\r\nSubject: sent by swaks over {route}\r\n"
            + "Date: Mon, 07 Dec 2026 10:00:00 +0100\r\nMessage-ID: <swaks-" + Guid.NewGuid().ToString("N") + "@elsewhere.test>\r\n\r\n"
            + "Hello from swaks.\r\n.leading dot survives\r\n";
        var dataFile = Path.Combine(Path.GetTempPath(), $"swaks-{Guid.NewGuid():N}.eml");
        await File.WriteAllTextAsync(dataFile, message[..^2], TestContext.Current.CancellationToken);

        var endpoint = route switch
        {
            SwaksRoute.Mx => server.Mx,
            SwaksRoute.SubmissionStartTls => server.Submission,
            _ => server.Submissions,
        };
        var arguments = new List<string>
        {
            "--server", endpoint.Address.ToString(), "--port", endpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--helo", "swaks.test", "--from", sender, "--to", recipient.Address, "--data", dataFile,
        };
        if (route == SwaksRoute.SubmissionStartTls)
            arguments.Add("--tls");
        if (route == SwaksRoute.SubmissionImplicitTls)
            arguments.Add("--tls-on-connect");
        if (route != SwaksRoute.Mx)
            arguments.AddRange(["--auth", route == SwaksRoute.SubmissionStartTls ? "PLAIN" : "LOGIN", "--auth-user", sender, "--auth-password", Infrastructure.ApiServer.Password]);

        string transcript;
        try
        {
            var outcome = await ExternalProgram.RunAsync(swaks, arguments);
            Assert.True(outcome.ExitCode == 0, outcome.ToString());
            transcript = outcome.Output + outcome.Error;
        }
        finally
        {
            File.Delete(dataFile);
        }
        Assert.Matches(@"<[-~]  250 2\.0\.0 OK queued as", transcript);

        var stored = await server.ReadInboxThroughApiAsync(recipient.Address);
        var (results, with) = route == SwaksRoute.Mx
            ? (SmtpServer.NothingPublishedResults(sender, "elsewhere.test"), "ESMTP")
            : (SmtpServer.SubmissionResults(sender), "ESMTPSA");
        var text = Encoding.UTF8.GetString(stored);
        Assert.StartsWith(results + $"Received: from swaks.test ([127.0.0.1])\r\n\tby {SmtpServer.Hostname} with {with} id ", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n" + message, text, StringComparison.Ordinal);
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
