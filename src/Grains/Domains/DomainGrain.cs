using RestMail.Grains.Domains;

namespace RestMail.Grains.Domains;

/// <summary>A hosted domain's settings, persisted through the Orleans ADO.NET storage provider "Default".</summary>
internal sealed class DomainGrain([PersistentState("domain", "Default")] IPersistentState<DomainSettings> state) : Grain, IDomainGrain
{
    public Task<DomainSettings> GetSettingsAsync() => Task.FromResult(state.State ?? new DomainSettings());

    public async Task<DomainSettings> UpdateSettingsAsync(DomainSettings settings)
    {
        state.State = settings;
        await state.WriteStateAsync();
        return settings;
    }

    public async Task ClearAsync()
    {
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }
}
