namespace RestMail.Gateways.Smtp;

public enum SmtpVerb
{
    Unknown = 0,
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,
}
