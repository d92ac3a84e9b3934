namespace RestMail.Storage.Hosting;

/// <summary>RestMail:Postgres: settings of the embedded PostgreSQL (used when no connection string is configured).</summary>
public sealed class PostgresHostingOptions
{
    /// <summary>Directory holding initdb and pg_ctl; empty means search /usr/lib/postgresql/*/bin and PATH.</summary>
    public string BinDir { get; set; } = "";
}
