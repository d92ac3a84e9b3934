using System.Diagnostics;
using System.Net.Sockets;

namespace RestMail.Bench;

/// <summary>The other servers a benchmark runs next to REST Mail (Postfix, Dovecot): run a tool, wait for a port.</summary>
internal static class ExternalProcess
{
    /// <summary>Waits up to 30 seconds until something accepts connections on the loopback port.</summary>
    public static async Task WaitForListenerAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (attempt < 300)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Runs a program to its end; a non-zero exit throws with what it printed.</summary>
    public static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await errors}");
    }
}
