namespace RestMail.Storage.Hosting;

/// <summary>One protocol listener (RestMail:Smtp, RestMail:Imap, ...).</summary>
public sealed class ListenerOptions
{
    /// <summary>TCP port; 0 asks the operating system for a free one (tests).</summary>
    public int Port { get; set; }

    /// <summary>Whether the listener runs at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The address to bind; the default accepts connections on every interface.</summary>
    public string Address { get; set; } = "0.0.0.0";
}
