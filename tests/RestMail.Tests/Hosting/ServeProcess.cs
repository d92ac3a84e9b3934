using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace RestMail.Tests.Hosting;

/// <summary>
/// `restmail serve` as a real child process (the built restmail.dll next to the tests), with its
/// output collected for failure messages. Disposing kills it if it still runs.
/// </summary>
public sealed class ServeProcess : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private ServeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Starts `serve --data-dir <paramref name="dataDir"/>` on 127.0.0.1: HTTP on <paramref name="httpPort"/>,
    /// free silo ports, and <paramref name="settings"/> as environment variables (RestMail__Smtp__Port, ...).
    /// </summary>
    public static ServeProcess Start(string dataDir, int httpPort, IReadOnlyDictionary<string, string> settings)
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
        foreach (var listener in new[] { "Smtp", "Submission", "Submissions", "Imap", "Imaps", "Pop3", "Pop3s" })
        {
            start.Environment[$"RestMail__{listener}__Address"] = "127.0.0.1";
            start.Environment[$"RestMail__{listener}__Port"] = "0";
        }
        // DNS to a loopback port nobody answers on: lookups (the inbound checks) fail at once instead of
        // waiting on a system resolver the test machine may not reach.
        start.Environment["RestMail__Dns__Servers__0"] = "127.0.0.1:" + FreePort.Next().ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in settings)
            start.Environment[key] = value;
        return new ServeProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits until GET /healthz answers 200; fails with the output when it exits or takes too long.</summary>
    public async Task WaitForHealthyAsync(int httpPort)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartDeadline;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"serve exited early with {(_process.HasExited ? _process.ExitCode : 0)}\n{Output}");
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
        Assert.Fail($"/healthz did not answer 200 within {StartDeadline}\n{Output}");
    }

    /// <summary>Sends a signal with kill(1): TERM for a clean stop, KILL for a crash.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(Ct);
        Assert.Equal(0, kill.ExitCode);
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(Ct).WaitAsync(timeout, Ct);

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}
