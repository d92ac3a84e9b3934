namespace RestMail.Storage.Hosting;

/// <summary>What one `restmail serve` process runs (RestMail:Role).</summary>
public enum ServerRole
{
    /// <summary>Silo, REST API and every protocol gateway: the all-in-one default.</summary>
    All = 0,

    /// <summary>Silo and REST API, no SMTP/IMAP/POP3 listeners.</summary>
    Silo,

    /// <summary>The SMTP/IMAP/POP3 listeners only, calling the silos as an Orleans client found through PostgreSQL.</summary>
    Gateway,
}
