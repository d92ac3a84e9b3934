namespace RestMail.Api.Messages;

/// <summary>What a bulk action did: changed lists the resulting message ids (new ids for copies).</summary>
public sealed record BulkResponse(IReadOnlyList<long> Changed, IReadOnlyList<long> NotFound);
