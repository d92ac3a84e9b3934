using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Pop3;

/// <summary>The settings that change behaviour: AllowPlaintextAuth and IdleTimeout.</summary>
public sealed class Pop3SettingsTests(LenientPop3Server server) : IClassFixture<LenientPop3Server>
{
    [Fact]
    public async Task With_AllowPlaintextAuth_USER_and_PASS_work_before_TLS()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, Pop3Server.Message("plain"));
        await using var client = await RawPop3Client.ConnectAsync(server.Pop3, server.ValidateCertificate);
        // All in one go: the one-second idle timeout must not depend on how fast this test runs.
        await client.SendAsync($"CAPA\r\nUSER {account.Address}\r\nPASS {ApiServer.Password}\r\nQUIT\r\n");
        Assert.StartsWith("+OK ", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("+OK Capability list follows", await client.ReadLineAsync());
        var capabilities = await client.ReadBodyAsync();
        Assert.Contains("USER", capabilities);
        Assert.Contains("SASL PLAIN", capabilities);
        Assert.Contains("STLS", capabilities);
        Assert.Equal("+OK Send PASS", await client.ReadLineAsync());
        Assert.StartsWith("+OK Maildrop has 1 messages", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("+OK Bye; 0 message(s) deleted", await client.ReadLineAsync());
    }

    [Fact]
    public async Task An_idle_session_is_closed_without_a_response_and_deletes_nothing()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, Pop3Server.Message("stays"));
        await using var client = await RawPop3Client.ConnectAsync(server.Pop3, server.ValidateCertificate);
        await client.SendAsync($"USER {account.Address}\r\nPASS {ApiServer.Password}\r\nDELE 1\r\n");
        Assert.StartsWith("+OK ", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("+OK Send PASS", await client.ReadLineAsync());
        Assert.StartsWith("+OK Maildrop has 1 messages", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("+OK Message 1 deleted", await client.ReadLineAsync());
        // RFC 1939 §3: the autologout timer closes the connection with no response and no UPDATE state;
        // the server's one-second timer is what ends this read.
        Assert.Null(await client.ReadLineAsync());
        Assert.Equal(1, (await server.InboxAsync(account.Id)).Total);
    }
}
