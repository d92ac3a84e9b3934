namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    private Task<Next> FetchAsync(string tag, ImapReader reader, bool uid, CancellationToken ct) => Task.FromResult(Bad(tag, "FETCH not yet"));

    private Task<Next> StoreAsync(string tag, ImapReader reader, bool uid, CancellationToken ct) => Task.FromResult(Bad(tag, "STORE not yet"));

    private Task<Next> CopyAsync(string tag, ImapReader reader, bool uid, bool move, CancellationToken ct) => Task.FromResult(Bad(tag, "COPY not yet"));

    private Task<Next> SearchAsync(string tag, ImapReader reader, bool uid, CancellationToken ct) => Task.FromResult(Bad(tag, "SEARCH not yet"));
}
