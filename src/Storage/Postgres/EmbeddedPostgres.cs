using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace RestMail.Storage.Postgres;

/// <summary>
/// A private PostgreSQL cluster under a data directory, reachable only through a unix socket in a
/// directory of its own. PostgreSQL refuses to run as root, so when we are root every server
/// program runs as the 'postgres' user and the directory is handed to it.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    // sockaddr_un.sun_path holds 108 bytes; the socket file name adds "/.s.PGSQL.5432".
    private const int MaxSocketDirLength = 90;
    private const string ServiceUser = "postgres";

    private readonly EmbeddedPostgresOptions _options;
    private readonly string _binDir;
    private readonly string _clusterDir;
    private bool _running;

    private EmbeddedPostgres(EmbeddedPostgresOptions options, string binDir)
    {
        _options = options;
        _binDir = binDir;
        _clusterDir = Path.Combine(options.Directory, "cluster");
        SocketDirectory = ChooseSocketDirectory(Path.Combine(options.Directory, "run"));
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = SocketDirectory,
            Username = options.User,
            Database = options.Database,
            MaxPoolSize = Math.Max(10, options.MaxConnections - 20),
        }.ConnectionString;
    }

    public string ConnectionString { get; }

    /// <summary>False when another process had already started this cluster; it is then left running.</summary>
    public bool StartedHere => _running;
    public string SocketDirectory { get; }

    /// <summary>Creates the cluster on first use, starts it and makes sure the database exists.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, CancellationToken cancellationToken = default)
    {
        var binDir = PostgresBinaries.Find(options.BinDirectory)
            ?? throw new InvalidOperationException(PostgresBinaries.InstallHint);
        var server = new EmbeddedPostgres(options with { Directory = Path.GetFullPath(options.Directory) }, binDir);
        await server.StartAsync(cancellationToken);
        return server;
    }

    private static bool IsRoot => Environment.UserName == "root";

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_options.Directory);
        Directory.CreateDirectory(SocketDirectory);
        if (IsRoot)
        {
            EnsureTraversable(_options.Directory);
            await RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", _options.Directory, SocketDirectory], asServiceUser: false, cancellationToken);
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(SocketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        if (!File.Exists(Path.Combine(_clusterDir, "PG_VERSION")))
        {
            // Trust is safe here: the only way in is the socket, in a directory only its owner may enter.
            await RunAsync(Path.Combine(_binDir, "initdb"),
                ["-D", _clusterDir, "-A", "trust", "-U", _options.User, "-E", "UTF8", "--locale=C", "--no-instructions"],
                asServiceUser: IsRoot, cancellationToken);
        }

        // Already running on this directory (a serving process, while an admin command runs):
        // use it and leave it running; only a server started here is stopped here.
        if (await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", _clusterDir, "status"], asServiceUser: IsRoot, cancellationToken, throwOnFailure: false) == 0)
        {
            await EnsureDatabaseAsync(cancellationToken);
            return;
        }

        var serverOptions = $"-k {SocketDirectory} -c listen_addresses='' -c max_connections={_options.MaxConnections} -c shared_buffers={_options.SharedBuffers}"
            + (_options.Fsync ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        await RunAsync(Path.Combine(_binDir, "pg_ctl"),
            ["-D", _clusterDir, "-o", serverOptions, "-l", Path.Combine(_options.Directory, "postgres.log"), "-w", "-t", "60", "start"],
            asServiceUser: IsRoot, cancellationToken);
        _running = true;

        await EnsureDatabaseAsync(cancellationToken);
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = _options.Database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_options.Database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task StopAsync()
    {
        if (!_running)
            return;
        _running = false;
        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", _clusterDir, "-m", "fast", "-w", "stop"], asServiceUser: IsRoot, CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static string ChooseSocketDirectory(string preferred)
    {
        if (preferred.Length <= MaxSocketDirLength)
            return preferred;
        // A deep data directory would overflow the socket path: use a short, stable one in /tmp.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(preferred)))[..12];
        return Path.Combine(Path.GetTempPath(), $"restmail-pg-{hash}");
    }

    /// <summary>The postgres user must be able to reach the data directory through every parent.</summary>
    private static void EnsureTraversable(string directory)
    {
        if (OperatingSystem.IsWindows())
            return;
        for (var dir = Path.GetDirectoryName(directory); !string.IsNullOrEmpty(dir) && dir != "/"; dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                throw new InvalidOperationException(
                    $"The embedded PostgreSQL runs as the '{ServiceUser}' user, which cannot enter '{dir}'. " +
                    $"Choose a data directory outside it (--data-dir), or allow traversal with 'chmod o+x {dir}'.");
            }
        }
    }

    private static async Task<int> RunAsync(
        string program, IReadOnlyList<string> arguments, bool asServiceUser, CancellationToken cancellationToken, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo
        {
            FileName = asServiceUser ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (asServiceUser)
        {
            foreach (var a in new[] { "-u", ServiceUser, "--", program })
                start.ArgumentList.Add(a);
        }
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} failed with exit code {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}");
        }
        return process.ExitCode;
    }
}
