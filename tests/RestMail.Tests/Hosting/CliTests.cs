using RestMail.Silo.Cli;

namespace RestMail.Tests.Hosting;

public sealed class CliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("admin")]
    [InlineData("admin promote")]
    [InlineData("admin bootstrap")]
    [InlineData("admin bootstrap --email root@example.com")]
    [InlineData("admin bootstrap --email root@example.com --password")]
    [InlineData("admin bootstrap --email root@example.com --password pw stray")]
    [InlineData("serve stray")]
    [InlineData("serve --data-dir")]
    public async Task Bad_command_lines_print_usage_and_exit_2(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exitCode = await RestMailCli.RunAsync(args, stdout, stderr, Ct);

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage:", stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public async Task Help_prints_usage_and_exits_0()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, await RestMailCli.RunAsync(["help"], stdout, stderr, Ct));
        Assert.Contains("admin bootstrap --email ADDRESS --password PASSWORD", stdout.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("admin bootstrap --email root@example.com --password pw")]
    public async Task Embedded_mode_without_postgres_binaries_says_what_to_install_and_fails(string command)
    {
        var emptyBinDir = Directory.CreateTempSubdirectory("rmt-nobin-");
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            string[] args = [.. command.Split(' '), "--data-dir", Path.Combine(emptyBinDir.FullName, "data"), $"--RestMail:Postgres:BinDir={emptyBinDir.FullName}"];

            var exitCode = await RestMailCli.RunAsync(args, stdout, stderr, Ct);

            Assert.Equal(1, exitCode);
            Assert.Contains("apt-get install postgresql", stderr.ToString(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(emptyBinDir.FullName, "data")));
        }
        finally
        {
            emptyBinDir.Delete(recursive: true);
        }
    }
}
