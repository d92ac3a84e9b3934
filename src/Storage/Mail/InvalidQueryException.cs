namespace RestMail.Storage.Mail;

/// <summary>A cursor or search expression the client sent could not be understood (HTTP 400).</summary>
public sealed class InvalidQueryException : Exception
{
    public InvalidQueryException() { }
    public InvalidQueryException(string message) : base(message) { }
    public InvalidQueryException(string message, Exception innerException) : base(message, innerException) { }
}
