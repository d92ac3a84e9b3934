using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RestMail.Silo.Hosting;
using RestMail.Storage.Hosting;

namespace RestMail.Tests.Hosting;

/// <summary>A real silo host configured exactly as REST Mail configures its own (ADO.NET on PostgreSQL).</summary>
internal static class TestSilo
{
    public static async Task<IHost> StartAsync(string connectionString, string clusterId = "test", CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var options = new SiloHostingOptions
        {
            Port = FreePort.Next(),
            GatewayPort = FreePort.Next(),
            ClusterId = clusterId,
            ServiceId = "restmail-test",
        };
        builder.UseOrleans(silo => silo.UseRestMailPostgres(connectionString, options, clusterInPostgres: true));
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }
}
