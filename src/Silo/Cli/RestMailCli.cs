using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using RestMail.Api.Admin;
using RestMail.Silo.Hosting;

namespace RestMail.Silo.Cli;

/// <summary>The restmail command line: serve, admin bootstrap, help.</summary>
internal static class RestMailCli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public const string Usage = """
        Usage:
          restmail serve [--data-dir DIR] [--Key=Value ...]
              Runs the server: Orleans silo, REST API (and /healthz), gateways, in one process.
              Without ConnectionStrings:Postgres, runs its own PostgreSQL under DIR/postgres (default ./data).
          restmail admin bootstrap --email ADDRESS --password PASSWORD [--data-dir DIR] [--Key=Value ...]
              Creates the first administrator in the configured (or embedded) database.
          restmail help
              Shows this text.

        Any configuration key can be given as --Section:Key=Value, e.g. --RestMail:Http:Port=8081
        (see docs/configuration.md).
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        if (args.Length == 0)
            return UsageFailure(stderr, "No command given.");

        switch (args[0])
        {
            case "serve":
                return await ServeAsync(args[1..], stderr, cancellationToken);
            case "admin" when args.Length > 1 && args[1] == "bootstrap":
                return await AdminBootstrapAsync(args[2..], stdout, stderr, cancellationToken);
            case "admin":
                return UsageFailure(stderr, args.Length > 1 ? $"Unknown admin command '{args[1]}'." : "The admin command needs a subcommand.");
            case "help" or "--help" or "-h":
                await stdout.WriteLineAsync(Usage);
                return Success;
            default:
                return UsageFailure(stderr, $"Unknown command '{args[0]}'.");
        }
    }

    private static async Task<int> ServeAsync(string[] args, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (ConfigurationArguments.Check(args, []) is { } problem)
            return UsageFailure(stderr, problem);

        RestMailHost host;
        try
        {
            host = await RestMailHost.BuildAsync(args, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is PostgresBinariesMissingException or OptionsValidationException or InvalidOperationException or NpgsqlException)
        {
            await stderr.WriteLineAsync($"restmail could not start: {e.Message}");
            return Failure;
        }
        await host.RunAsync(cancellationToken);
        return Success;
    }

    private static async Task<int> AdminBootstrapAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (ConfigurationArguments.Check(args, ["--email", "--password"]) is { } problem)
            return UsageFailure(stderr, problem);
        var email = ConfigurationArguments.Value(args, "--email");
        var password = ConfigurationArguments.Value(args, "--password");
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            return UsageFailure(stderr, "admin bootstrap needs --email ADDRESS and --password PASSWORD.");

        var configArgs = ConfigurationArguments.Without(args, ["--email", "--password"]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = configArgs, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(configArgs, RestMailHost.CommandLineSwitches);
        try
        {
            var options = RestMailHost.ReadOptions(builder.Configuration);
            using var logging = RestMailHost.CreateBootstrapLogging(builder.Configuration);
            await using var database = await RestMailDatabase.OpenAsync(builder.Configuration, options, logging.CreateLogger("RestMail.Silo"), cancellationToken);
            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            var message = await AdminBootstrap.RunAsync(dataSource, email, password, cancellationToken);
            await stdout.WriteLineAsync(message);
            return Success;
        }
        catch (Exception e) when (e is PostgresBinariesMissingException or OptionsValidationException or NotSupportedException
                                      or ArgumentException or InvalidOperationException or NpgsqlException)
        {
            await stderr.WriteLineAsync($"admin bootstrap failed: {e.Message}");
            return Failure;
        }
    }

    private static int UsageFailure(TextWriter stderr, string problem)
    {
        stderr.WriteLine(problem);
        stderr.WriteLine();
        stderr.WriteLine(Usage);
        return UsageError;
    }
}
