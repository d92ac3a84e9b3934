using RestMail.Storage.Postgres;

namespace RestMail.Silo.Hosting;

/// <summary>Embedded mode was asked for but initdb/pg_ctl are not installed. The message says what to install.</summary>
public sealed class PostgresBinariesMissingException : Exception
{
    public PostgresBinariesMissingException()
        : base(PostgresBinaries.InstallHint)
    {
    }

    public PostgresBinariesMissingException(string message)
        : base(message)
    {
    }

    public PostgresBinariesMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
