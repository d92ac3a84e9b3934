namespace RestMail.Storage.Postgres;

public sealed record EmbeddedPostgresOptions
{
    /// <summary>Where the cluster lives (cluster/, run/ for the socket, postgres.log).</summary>
    public required string Directory { get; init; }
    public string? BinDirectory { get; init; }
    public string Database { get; init; } = "restmail";
    public string User { get; init; } = "restmail";
    /// <summary>Off only for throw-away test clusters: an acknowledged write must survive power loss.</summary>
    public bool Fsync { get; init; } = true;
    public int MaxConnections { get; init; } = 200;
    /// <summary>PostgreSQL's own cache; its stock 128 MB is small for a mail store's indexes.</summary>
    public string SharedBuffers { get; init; } = "512MB";
}
