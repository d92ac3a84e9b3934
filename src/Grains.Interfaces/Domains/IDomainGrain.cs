namespace RestMail.Grains.Domains;

/// <summary>A hosted domain, keyed by its lower-case name: its settings, persisted through Orleans ADO.NET storage.</summary>
[Alias("RestMail.IDomainGrain")]
public interface IDomainGrain : IGrainWithStringKey
{
    [Alias("GetSettings")]
    Task<DomainSettings> GetSettingsAsync();

    [Alias("UpdateSettings")]
    Task<DomainSettings> UpdateSettingsAsync(DomainSettings settings);

    /// <summary>Forget the settings (the domain was deleted).</summary>
    [Alias("Clear")]
    Task ClearAsync();
}
