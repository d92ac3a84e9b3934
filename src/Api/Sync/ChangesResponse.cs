namespace RestMail.Api.Sync;

/// <summary>
/// Changes after ?since=, oldest first. When has_more, ask again with since = the last modseq.
/// When resync_required the log no longer reaches back that far: re-list, then continue from highest_modseq.
/// </summary>
public sealed record ChangesResponse(IReadOnlyList<ChangeResponse> Changes, long HighestModseq, bool HasMore, bool ResyncRequired);
