using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MimeKit;
using Npgsql;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Hosting;

/// <summary>
/// The split deployment: one `serve` process in the silo role (grains and API, no mail listeners)
/// and one in the gateway role (mail listeners only, an Orleans client found through PostgreSQL).
/// </summary>
public sealed class GatewayRoleTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Mail_submitted_to_a_gateway_process_is_stored_by_the_silo_process()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var dataDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"rmt-roles-{Guid.NewGuid():N}"));
        var (siloHttp, gatewayHttp, siloSmtp, gatewaySmtp) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        try
        {
            using var silo = ServeProcess.Start(dataDir.FullName, siloHttp, new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = connectionString,
                ["RestMail__Role"] = "Silo",
                ["RestMail__Smtp__Port"] = siloSmtp.ToString(CultureInfo.InvariantCulture),
            });
            await silo.WaitForHealthyAsync(siloHttp);
            using var gateway = ServeProcess.Start(dataDir.FullName, gatewayHttp, new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = connectionString,
                ["RestMail__Role"] = "Gateway",
                ["RestMail__Hostname"] = "gw.roles.test",
                ["RestMail__Smtp__Port"] = gatewaySmtp.ToString(CultureInfo.InvariantCulture),
            });
            await gateway.WaitForHealthyAsync(gatewayHttp);

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await TestAccounts.CreateAsync(dataSource, "split@roles.test");
            using (var smtp = new SmtpClient())
            {
                await smtp.ConnectAsync("127.0.0.1", gatewaySmtp, MailKit.Security.SecureSocketOptions.None, Ct);
                var message = new MimeMessage { Subject = "through the gateway role" };
                message.From.Add(MailboxAddress.Parse("someone@elsewhere.test"));
                message.To.Add(MailboxAddress.Parse("split@roles.test"));
                message.Body = new TextPart("plain") { Text = "hello" };
                await smtp.SendAsync(message, Ct);
                await smtp.DisconnectAsync(true, Ct);
            }

            await using (var command = dataSource.CreateCommand("SELECT count(*) FROM messages WHERE subject = 'through the gateway role'"))
                Assert.Equal(1L, (long)(await command.ExecuteScalarAsync(Ct))!);
            // The silo role opens no mail listener; the gateway role serves no REST API.
            await Assert.ThrowsAsync<SocketException>(async () =>
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, siloSmtp, Ct);
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayHttp}") };
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/openapi/v1.json", Ct)).StatusCode);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_gateway_role_without_a_postgres_connection_string_refuses_to_start()
    {
        var dataDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"rmt-roles-{Guid.NewGuid():N}"));
        try
        {
            using var gateway = ServeProcess.Start(dataDir.FullName, FreePort.Next(), new Dictionary<string, string> { ["RestMail__Role"] = "Gateway" });
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, gateway.ExitCode);
            Assert.Contains("RestMail:Role=Gateway needs ConnectionStrings:Postgres", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }
}
