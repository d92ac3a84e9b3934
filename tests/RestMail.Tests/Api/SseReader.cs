using System.Text;
using System.Text.Json;

namespace RestMail.Tests.Api;

/// <summary>One SSE event: its id, type and data, plus any comment lines that came with it.</summary>
internal sealed record SseEvent(string? Id, string? Event, string? Data, IReadOnlyList<string> Comments)
{
    public JsonElement Json => JsonDocument.Parse(Data!).RootElement;
}

/// <summary>A minimal text/event-stream reader (WHATWG HTML §9.2.6): fields until a blank line.</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next block (event or comment-only), or fails at the deadline.</summary>
    public async Task<SseEvent> ReadAsync(TimeSpan deadline)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(deadline);
        string? id = null, type = null;
        StringBuilder? data = null;
        var comments = new List<string>();
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No server-sent event within {deadline}.");
            }
            if (line is null)
                throw new EndOfStreamException("The event stream ended.");
            if (line.Length == 0)
            {
                if (id is null && type is null && data is null && comments.Count == 0)
                    continue;
                return new SseEvent(id, type, data?.ToString(), comments);
            }
            if (line.StartsWith(':'))
            {
                comments.Add(line[1..].Trim());
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": (data ??= new StringBuilder()).Append(data.Length > 0 ? "\n" : "").Append(value); break;
            }
        }
    }

    /// <summary>The next block that is an event (has a type), skipping comment-only blocks.</summary>
    public async Task<SseEvent> ReadEventAsync(TimeSpan deadline)
    {
        while (true)
        {
            var next = await ReadAsync(deadline);
            if (next.Event is not null)
                return next;
        }
    }

    public void Dispose() => _reader.Dispose();
}
