using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using DnsClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RestMail.Storage.Dns;

namespace RestMail.Storage.Federation;

/// <summary>
/// The HttpClient REST Mail servers talk to each other with (delivery and key fetches): HTTP/2 when
/// the peer offers it, pooled connections, host names resolved through RestMail:Dns (so a test or
/// demo DNS server covers HTTPS as it covers MX), and certificates checked against the system store
/// plus, for development, RestMail:Federation:TrustedCaPath.
/// </summary>
public static class FederationHttp
{
    public const string ClientName = "RestMail.Federation";

    public static IServiceCollection AddRestMailFederationHttp(this IServiceCollection services)
    {
        services.AddHttpClient(ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(
                sp.GetRequiredService<IOptions<FederationOptions>>().Value,
                sp.GetRequiredService<IOptions<DnsOptions>>().Value,
                sp.GetRequiredService<ILookupClient>()))
            .ConfigureHttpClient((sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<FederationOptions>>().Value.RequestTimeout;
                client.DefaultRequestVersion = HttpVersion.Version20;
                client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
                // Answers are small (per-recipient results, key sets); a peer cannot make us buffer more.
                client.MaxResponseContentBufferSize = 1024 * 1024;
            })
            // The pool below already recycles connections; a new handler would only drop warm HTTP/2 connections.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        return services;
    }

    private static SocketsHttpHandler CreateHandler(FederationOptions options, DnsOptions dns, ILookupClient lookup)
    {
        var trusted = LoadTrustedCas(options.TrustedCaPath);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            EnableMultipleHttp2Connections = true,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(certificate, errors, trusted),
            },
        };
        if (dns.Servers.Count > 0)
            handler.ConnectCallback = (context, ct) => ConnectAsync(lookup, context.DnsEndPoint, ct);
        return handler;
    }

    /// <summary>System trust first; a chain error alone is forgiven when the chain ends in a configured CA.</summary>
    private static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? trusted)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        if (trusted is null || certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private static X509Certificate2Collection? LoadTrustedCas(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            return null;
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }

    /// <summary>Resolves with the configured DNS servers (A, then AAAA) and connects to the first address that answers.</summary>
    private static async ValueTask<Stream> ConnectAsync(ILookupClient lookup, DnsEndPoint endpoint, CancellationToken ct)
    {
        var addresses = new List<IPAddress>();
        if (IPAddress.TryParse(endpoint.Host, out var literal))
            addresses.Add(literal);
        else
        {
            foreach (var type in new[] { QueryType.A, QueryType.AAAA })
            {
                var response = await lookup.QueryAsync(endpoint.Host, type, cancellationToken: ct);
                addresses.AddRange(response.Answers.AddressRecords().Select(r => r.Address));
            }
        }
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
