using System.Diagnostics;

namespace RestMail.Tests.Pop3;

/// <summary>Runs a real client program installed from Debian's packages and collects its output.</summary>
public static class ExternalProgram
{
    /// <summary>
    /// The program's path. A missing program fails the test (it does not skip it): .ci/run installs
    /// fetchmail, getmail6 and curl, so a missing one is a broken setup.
    /// </summary>
    public static string Require(string name, string package)
    {
        var path = new[] { "/usr/bin/", "/usr/local/bin/" }.Select(d => d + name).FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"{name} is not installed: apt-get install {package} (.ci/run installs it)");
        return path!;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            // Generous: 500 messages on a busy two-core machine.
            deadline.CancelAfter(TimeSpan.FromMinutes(10));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
        }
        return (process.ExitCode, await output + await errors);
    }
}
