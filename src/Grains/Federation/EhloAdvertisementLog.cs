using System.Text;
using MailKit;
using RestMail.Storage.Federation;

namespace RestMail.Grains.Federation;

/// <summary>
/// Reads the REST Mail keyword out of a remote server's EHLO reply. MailKit keeps unknown EHLO
/// extensions to itself, so this watches the server's side of the conversation through MailKit's
/// protocol-logger hook and logs nothing anywhere.
/// </summary>
internal sealed class EhloAdvertisementLog : IProtocolLogger
{
    private readonly StringBuilder _line = new();

    /// <summary>The endpoint of the last X-RESTMAIL (or bare RESTMAIL) line seen, if any.</summary>
    public Uri? Endpoint { get; private set; }

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public void LogConnect(Uri uri)
    {
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++)
        {
            var b = buffer[i];
            if (b == '\n')
            {
                Inspect(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else if (_line.Length < 512) // RFC 5321 §4.5.3.1.5: reply lines are at most 512 octets
            {
                _line.Append((char)b);
            }
        }
    }

    private void Inspect(string line)
    {
        // EHLO keywords come as "250-KEYWORD params" or, on the last line, "250 KEYWORD params".
        if (line.Length > 4 && line.StartsWith("250", StringComparison.Ordinal) && line[3] is '-' or ' '
            && FederationDiscovery.FromEhloLine(line[4..]) is { } endpoint)
            Endpoint = endpoint;
    }

    public void Dispose()
    {
    }
}
