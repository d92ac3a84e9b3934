namespace RestMail.Storage.MailAuth;

/// <summary>The mechanisms of RFC 7208 §5.</summary>
public enum SpfMechanismKind
{
    All,
    Include,
    A,
    Mx,
    // The mechanism's name in RFC 7208 §5.5, not the C++ type.
#pragma warning disable CA1720
    Ptr,
#pragma warning restore CA1720
    Ip4,
    Ip6,
    Exists,
}
