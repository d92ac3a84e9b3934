namespace RestMail.Gateways.Imap;

/// <summary>A command that does not follow the grammar: answered BAD, and the session continues.</summary>
public sealed class ImapParseException(string message) : Exception(message)
{
    public ImapParseException()
        : this("Syntax error")
    {
    }

    public ImapParseException(string message, Exception innerException)
        : this(message + ": " + innerException.Message)
    {
    }
}
