using RestMail.Storage.Hosting;

namespace RestMail.Grains.Queue;

/// <summary>
/// Wakes this silo's <see cref="OutboundScheduler"/> when mail was queued here, so that it is
/// attempted at once rather than at the next poll. Other silos still find it by polling.
/// </summary>
internal sealed class OutboundQueueSignal : WakeSignal;
