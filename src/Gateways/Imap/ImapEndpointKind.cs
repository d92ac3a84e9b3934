namespace RestMail.Gateways.Imap;

public enum ImapEndpointKind
{
    /// <summary>Port 143: plaintext until STARTTLS (RFC 9051 §6.2.1).</summary>
    StartTls,
    /// <summary>Port 993: TLS from the first byte (RFC 8314 §3.2).</summary>
    ImplicitTls,
}
