using System.Diagnostics;

namespace RestMail.Bench;

internal static class Stopwatches
{
    /// <summary>Runs <paramref name="work"/> for every item with <paramref name="concurrency"/> workers; returns items per second.</summary>
    public static async Task<double> ThroughputAsync<T>(IReadOnlyList<T> items, int concurrency, Func<T, Task> work)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
                await work(items[i]);
        }));
        return items.Count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Latency percentiles in milliseconds over sequential runs (after a short warm-up).</summary>
    public static async Task<(double P50, double P95, double P99)> LatencyAsync(int runs, Func<int, Task> work)
    {
        for (var i = 0; i < Math.Min(20, runs); i++)
            await work(i);
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await work(i);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        return (At(samples, 0.50), At(samples, 0.95), At(samples, 0.99));
    }

    private static double At(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
