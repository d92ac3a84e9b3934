namespace RestMail.Tests.Hosting;

/// <summary>
/// `restmail serve --data-dir DIR` as a real child process in embedded mode: it starts its own
/// PostgreSQL, answers /healthz, stops everything on SIGTERM and starts again on the same data.
/// </summary>
public sealed class EmbeddedServeTests
{
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_in_embedded_mode_comes_up_stops_cleanly_on_SIGTERM_and_restarts_on_the_same_data()
    {
        // Not CreateTempSubdirectory: its mode 700 would keep the postgres user out.
        var dataDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"rmt-serve-{Guid.NewGuid():N}"));
        try
        {
            for (var run = 0; run < 2; run++)
            {
                var httpPort = FreePort.Next();
                using var server = ServeProcess.Start(dataDir.FullName, httpPort, new Dictionary<string, string>());
                await server.WaitForHealthyAsync(httpPort);
                Assert.True(File.Exists(Path.Combine(dataDir.FullName, "postgres", "cluster", "postmaster.pid")), "PostgreSQL runs under the data directory");

                await server.SignalAsync("TERM");
                await server.WaitForExitAsync(StopDeadline);

                Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}\n{server.Output}");
                Assert.False(File.Exists(Path.Combine(dataDir.FullName, "postgres", "cluster", "postmaster.pid")),
                    $"PostgreSQL is still running after the server stopped\n{server.Output}");
            }
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }
}
