using System.Net;
using MimeKit;

namespace RestMail.Tests.Smtp;

/// <summary>RFC 3461 parameters at the SMTP door: parsed exactly (xtext), refused when malformed, and acted on.</summary>
public sealed class SmtpDsnTests(SmtpServer server) : IClassFixture<SmtpServer>
{
    private async Task<RawSmtpClient> HelloAsync()
    {
        var client = await RawSmtpClient.ConnectAsync(server.Mx, server.ValidateCertificate);
        await client.ReadReplyAsync();
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        return client;
    }

    [Fact]
    public async Task NOTIFY_SUCCESS_for_a_local_recipient_brings_a_delivered_report_with_the_decoded_ENVID_and_ORCPT()
    {
        var (alice, bob, carol) = (await server.CreateAccountAsync(), await server.CreateAccountAsync(), await server.CreateAccountAsync());
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{alice.Address}> RET=HDRS ENVID=trip+2B42"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{bob.Address}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+2Bold@example.org"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{carol.Address}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync("Subject: track me\r\n\r\nbody\r\n."), StringComparison.Ordinal);

        Assert.Single(await server.InboxAsync(bob.Id));
        Assert.Single(await server.InboxAsync(carol.Id));
        var dsn = MimeMessage.Load(new MemoryStream(Assert.Single(await server.InboxAsync(alice.Id))), TestContext.Current.CancellationToken);
        Assert.Equal("Successful Mail Delivery Report", dsn.Subject);
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(dsn.Body)[1]);
        Assert.Equal("trip+42", status.StatusGroups[0]["Original-Envelope-Id"]);
        // Only bob asked; carol (no NOTIFY) is not reported on success.
        var group = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal("rfc822;bob+old@example.org", group["Original-Recipient"]);
        Assert.Equal($"rfc822; {bob.Address}", group["Final-Recipient"]);
        Assert.Equal("delivered", group["Action"]);
        Assert.Equal("2.0.0", group["Status"]);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@remote.test> ENVID=bad+zz")]
    [InlineData("MAIL FROM:<a@remote.test> ENVID=has=equals")]
    [InlineData("MAIL FROM:<a@remote.test> RET=SOME")]
    public async Task Malformed_MAIL_DSN_parameters_get_501_5_5_4(string command)
    {
        await using var client = await HelloAsync();
        Assert.Equal("501 5.5.4 Invalid parameter value", await client.CommandAsync(command));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@remote.test>"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NOTIFY=SOMETIMES")]
    [InlineData("NOTIFY=NEVER,SUCCESS")]
    [InlineData("ORCPT=rfc822;+4")]
    public async Task Malformed_RCPT_DSN_parameters_get_501_5_5_4_and_add_no_recipient(string parameter)
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@remote.test>"), StringComparison.Ordinal);
        Assert.Equal("501 5.5.4 Invalid parameter value", await client.CommandAsync($"RCPT TO:<{account.Address}> {parameter}"));
        Assert.Equal("503 5.5.1 No valid recipients", await client.CommandAsync("DATA"));
    }
}
