namespace RestMail.Api.Sync;

/// <summary>RestMail:Events: timing of GET /v1/events streams.</summary>
public sealed class EventStreamOptions
{
    /// <summary>A comment line this often keeps proxies and load balancers from closing an idle stream.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Grain observers are not durable (a grain that moves silos forgets them): renew this often.</summary>
    public TimeSpan ResubscribeInterval { get; set; } = TimeSpan.FromSeconds(60);
}
