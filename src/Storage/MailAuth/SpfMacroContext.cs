using System.Net;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// What the macros of RFC 7208 §7.2 expand to: the sender (%{s}, %{l}, %{o}), the domain being
/// checked (%{d}), the client address (%{i}, %{v}) and the HELO name (%{h}).
/// </summary>
public sealed record SpfMacroContext(string Sender, string Domain, IPAddress Client, string Helo)
{
    public string LocalPart => Sender[..Sender.LastIndexOf('@')];

    public string SenderDomain => Sender[(Sender.LastIndexOf('@') + 1)..];
}
