using System.Collections.Concurrent;
using Orleans.Runtime;

namespace RestMail.Tests.Hosting;

public interface IStateProbeGrain : IGrainWithStringKey
{
    Task Store(int value);
    Task<int> Load();
    Task<Guid> ActivationId();
    Task Deactivate();
}

[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public int Value { get; set; }
}

/// <summary>Persists one number through the "Default" storage, like REST Mail grains do.</summary>
public sealed class StateProbeGrain([PersistentState("state", "Default")] IPersistentState<ProbeState> state) : Grain, IStateProbeGrain
{
    private readonly Guid _activation = Guid.NewGuid();

    public async Task Store(int value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<int> Load() => Task.FromResult(state.State.Value);

    public Task<Guid> ActivationId() => Task.FromResult(_activation);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task Register(string name, TimeSpan dueTime, TimeSpan period);
    Task<bool> Has(string name);
    Task Unregister(string name);
}

/// <summary>Reports every reminder tick to <see cref="ReminderTicks"/>.</summary>
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public Task Register(string name, TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder(name, dueTime, period);

    public async Task<bool> Has(string name) => await this.GetReminder(name) is not null;

    public async Task Unregister(string name)
    {
        var reminder = await this.GetReminder(name) ?? throw new InvalidOperationException($"No reminder '{name}'.");
        await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        ReminderTicks.Signal($"{this.GetPrimaryKeyString()}/{reminderName}");
        return Task.CompletedTask;
    }
}

public static class ReminderTicks
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Ticks = new();

    public static Task Next(string key) => Ticks.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public static void Signal(string key) => Ticks.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
