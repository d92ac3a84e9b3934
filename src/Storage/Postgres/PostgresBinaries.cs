namespace RestMail.Storage.Postgres;

/// <summary>Finds the installed PostgreSQL server programs (initdb, pg_ctl).</summary>
public static class PostgresBinaries
{
    public const string InstallHint =
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with " +
        "'apt-get install postgresql' (Debian/Ubuntu; they land in /usr/lib/postgresql/<version>/bin), " +
        "set RestMail:Postgres:BinDir to the directory that holds them, " +
        "or set ConnectionStrings:Postgres to use an existing PostgreSQL server.";

    /// <summary>The directory holding initdb and pg_ctl, or null when none is installed.</summary>
    public static string? Find(string? configuredDirectory = null)
    {
        if (!string.IsNullOrEmpty(configuredDirectory))
            return HasServer(configuredDirectory) ? configuredDirectory : null;

        // Debian keeps each major version apart; prefer the newest.
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(c => HasServer(c.Dir))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
                .FirstOrDefault();
            if (newest is not null)
                return newest;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (HasServer(dir))
                return dir;
        }
        return null;
    }

    private static bool HasServer(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
}
