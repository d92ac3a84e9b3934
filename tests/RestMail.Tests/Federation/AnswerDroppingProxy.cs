using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using RestMail.Storage.Federation;
using RestMail.Tests.Hosting;

namespace RestMail.Tests.Federation;

/// <summary>
/// An HTTPS endpoint in front of B that passes POST /v1/deliver on, and for the first request throws
/// B's answer away and resets the stream: the receiver committed, the sender never hears of it.
/// </summary>
public sealed class AnswerDroppingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private AnswerDroppingProxy(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<AnswerDroppingProxy> StartAsync(FederationPair pair)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = pair.Ca.Issue(FederationPair.NameB);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(pair.B.Host.Address, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        var app = builder.Build();
        var proxy = new AnswerDroppingProxy(app, port);
        app.MapPost("/v1/deliver", context => proxy.ForwardAsync(context, pair));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context, FederationPair pair)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        using var request = new HttpRequestMessage(HttpMethod.Post, FederationDiscovery.Combine(pair.B.Endpoint, "deliver"))
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        using var answer = await pair.FederationClient().SendAsync(request, context.RequestAborted);
        var bytes = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (Interlocked.Increment(ref _requests) == 1)
        {
            context.Abort();
            return;
        }
        context.Response.StatusCode = (int)answer.StatusCode;
        context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
