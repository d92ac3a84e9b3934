namespace RestMail.Grains.Domains;

/// <summary>Per-domain settings kept in the domain grain's persisted state.</summary>
[GenerateSerializer, Immutable, Alias("RestMail.DomainSettings")]
public sealed record DomainSettings
{
    /// <summary>Quota given to new accounts when the request names none; null is unlimited.</summary>
    [Id(0)] public long? DefaultAccountQuotaBytes { get; init; }
    /// <summary>Largest message accepted for this domain, in bytes.</summary>
    [Id(1)] public long MaxMessageBytes { get; init; } = 50L * 1024 * 1024;
    /// <summary>An account address that receives mail for unknown local parts; null rejects them.</summary>
    [Id(2)] public string? CatchAllAddress { get; init; }
}
