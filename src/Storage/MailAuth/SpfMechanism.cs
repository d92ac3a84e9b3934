using System.Net;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// One directive of an SPF record (RFC 7208 §4.6.1). <see cref="DomainSpec"/> is the unexpanded
/// domain-spec (null: the current domain); <see cref="Network"/> is set for ip4/ip6; the prefix
/// lengths are the CIDR lengths of ip4/ip6 and the dual-cidr-length of a and mx (§5.6).
/// </summary>
public sealed record SpfMechanism(
    SpfQualifier Qualifier,
    SpfMechanismKind Kind,
    string? DomainSpec = null,
    IPAddress? Network = null,
    int Ip4Prefix = 32,
    int Ip6Prefix = 128)
{
    /// <summary>RFC 7208 §4.6.4: these mechanisms query DNS and count towards the limit of 10.</summary>
    public bool CountsAsLookup => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx
        or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;

    /// <summary>The result this directive gives when it matches (RFC 7208 §4.6.2).</summary>
    public SpfResult MatchResult => Qualifier switch
    {
        SpfQualifier.Fail => SpfResult.Fail,
        SpfQualifier.SoftFail => SpfResult.SoftFail,
        SpfQualifier.Neutral => SpfResult.Neutral,
        _ => SpfResult.Pass,
    };
}
