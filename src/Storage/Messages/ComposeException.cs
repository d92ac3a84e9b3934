namespace RestMail.Storage.Messages;

/// <summary>A compose request that cannot become a message; <see cref="Exception.Message"/> is fit to show the user.</summary>
public sealed class ComposeException : Exception
{
    public ComposeException()
    {
    }

    public ComposeException(string message)
        : base(message)
    {
    }

    public ComposeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
