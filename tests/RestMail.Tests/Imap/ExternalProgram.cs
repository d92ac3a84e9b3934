using System.Diagnostics;

namespace RestMail.Tests.Imap;

/// <summary>
/// Runs a real mail client from Debian's packages. A missing program fails the test (never skips):
/// .ci/run installs them.
/// </summary>
internal static class ExternalProgram
{
    public sealed record Outcome(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public static string Require(string name, string package)
    {
        var path = new[] { "/usr/bin/", "/usr/local/bin/", "/bin/" }.Select(d => d + name).FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"{name} is not installed (apt-get install {package}; .ci/run installs it)");
        return path!;
    }

    /// <summary>Runs to completion (generous deadline for a loaded 2-core machine), stdin closed.</summary>
    public static async Task<Outcome> RunAsync(string path, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{path} did not finish in time:\n{await output}\n{await error}");
        }
        return new Outcome(process.ExitCode, await output, await error);
    }
}
