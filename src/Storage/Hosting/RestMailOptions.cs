namespace RestMail.Storage.Hosting;

/// <summary>
/// The "RestMail" configuration section: where data lives, the name the server answers to, and
/// every listener's port. Bound by the host; Api and Gateways read it through IOptions.
/// </summary>
public sealed class RestMailOptions
{
    public const string SectionName = "RestMail";

    /// <summary>The server's own host name (EHLO, greetings, Received headers). Empty means the machine name.</summary>
    public string Hostname { get; set; } = "";

    /// <summary>Root of everything the server keeps on disk; relative paths are taken from the working directory.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>What this process runs: everything, the silo and API only, or the protocol gateways only.</summary>
    public ServerRole Role { get; set; } = ServerRole.All;

    public HttpListenerOptions Http { get; set; } = new();
    public HttpsListenerOptions Https { get; set; } = new();
    public ListenerOptions Smtp { get; set; } = new() { Port = 2525 };
    public ListenerOptions Submission { get; set; } = new() { Port = 2587 };
    public ListenerOptions Submissions { get; set; } = new() { Port = 2465 };
    public ListenerOptions Imap { get; set; } = new() { Port = 2143 };
    public ListenerOptions Imaps { get; set; } = new() { Port = 2993 };
    public ListenerOptions Pop3 { get; set; } = new() { Port = 2110 };
    public ListenerOptions Pop3s { get; set; } = new() { Port = 2995 };
    public PostgresHostingOptions Postgres { get; set; } = new();
    public SiloHostingOptions Silo { get; set; } = new();

    /// <summary>The host name to use: <see cref="Hostname"/>, or the machine name when it is empty.</summary>
    public string EffectiveHostname => string.IsNullOrWhiteSpace(Hostname) ? Environment.MachineName : Hostname;

    /// <summary>The data directory as an absolute path.</summary>
    public string FullDataDir => Path.GetFullPath(string.IsNullOrWhiteSpace(DataDir) ? "data" : DataDir);

    /// <summary>The protocol listeners by configuration name, for validation and documentation.</summary>
    public IEnumerable<(string Name, ListenerOptions Listener)> Listeners =>
    [
        (nameof(Smtp), Smtp), (nameof(Submission), Submission), (nameof(Submissions), Submissions),
        (nameof(Imap), Imap), (nameof(Imaps), Imaps), (nameof(Pop3), Pop3), (nameof(Pop3s), Pop3s),
    ];
}
