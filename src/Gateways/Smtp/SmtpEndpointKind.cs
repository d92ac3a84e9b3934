namespace RestMail.Gateways.Smtp;

public enum SmtpEndpointKind
{
    /// <summary>Inbound mail from other MTAs (port 25): local recipients only unless authenticated.</summary>
    Mx = 0,
    /// <summary>Message submission with STARTTLS (port 587, RFC 6409): AUTH required.</summary>
    Submission,
    /// <summary>Message submission over implicit TLS (port 465, RFC 8314): AUTH required.</summary>
    Submissions,
}
