using System.Net;
using System.Net.Sockets;

namespace RestMail.Tests.Hosting;

internal static class FreePort
{
    /// <summary>A TCP port nobody listens on right now (the OS picks it; tiny race accepted).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
