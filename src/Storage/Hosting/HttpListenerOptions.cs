namespace RestMail.Storage.Hosting;

/// <summary>RestMail:Http: the REST API, webmail and /healthz.</summary>
public sealed class HttpListenerOptions
{
    /// <summary>TCP port; 0 asks the operating system for a free one (tests).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>The address to bind: 0.0.0.0 serves every interface, 127.0.0.1 only this machine.</summary>
    public string Address { get; set; } = "0.0.0.0";
}
