using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace RestMail.Tests.Hosting;

/// <summary>
/// `restmail serve --data-dir DIR` as a real child process in embedded mode: it starts its own
/// PostgreSQL, answers /healthz, stops everything on SIGTERM and starts again on the same data.
/// </summary>
public sealed class EmbeddedServeTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
                using var server = StartServe(dataDir.FullName, httpPort);
                var output = new StringWriterOutput(server);
                try
                {
                    await WaitForHealthyAsync(server, httpPort, output);
                    Assert.True(File.Exists(Path.Combine(dataDir.FullName, "postgres", "cluster", "postmaster.pid")), "PostgreSQL runs under the data directory");

                    await SignalAsync(server.Id, "TERM");
                    await server.WaitForExitAsync(Ct).WaitAsync(StopDeadline, Ct);
                }
                finally
                {
                    if (!server.HasExited)
                        server.Kill(entireProcessTree: true);
                }

                Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}\n{output}");
                Assert.False(File.Exists(Path.Combine(dataDir.FullName, "postgres", "cluster", "postmaster.pid")),
                    $"PostgreSQL is still running after the server stopped\n{output}");
            }
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    private static Process StartServe(string dataDir, int httpPort)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "restmail.dll"));
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--data-dir");
        start.ArgumentList.Add(dataDir);
        start.Environment.Remove("ConnectionStrings__Postgres");
        start.Environment["RestMail__Http__Port"] = httpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["RestMail__Http__Address"] = "127.0.0.1";
        start.Environment["RestMail__Silo__Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["RestMail__Silo__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        foreach (var listener in new[] { "Smtp", "Submission", "Submissions", "Pop3", "Pop3s" })
        {
            start.Environment[$"RestMail__{listener}__Address"] = "127.0.0.1";
            start.Environment[$"RestMail__{listener}__Port"] = "0";
        }
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static async Task WaitForHealthyAsync(Process server, int httpPort, StringWriterOutput output)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartDeadline;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server.HasExited, $"serve exited early with {(server.HasExited ? server.ExitCode : 0)}\n{output}");
            try
            {
                using var response = await http.GetAsync("/healthz", Ct);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!Ct.IsCancellationRequested)
            {
                // Listening but slow to answer while starting.
            }
            await Task.Delay(200, Ct);
        }
        Assert.Fail($"/healthz did not answer 200 within {StartDeadline}\n{output}");
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(Ct);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Collects the child's output as it arrives, for failure messages.</summary>
    private sealed class StringWriterOutput
    {
        private readonly System.Text.StringBuilder _text = new();

        public StringWriterOutput(Process process)
        {
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private void Append(string? line)
        {
            if (line is null)
                return;
            lock (_text)
                _text.AppendLine(line);
        }

        public override string ToString()
        {
            lock (_text)
                return _text.ToString();
        }
    }
}
