namespace RestMail.Api.Folders;

/// <summary>A new folder; role (sent, drafts, trash, junk, archive) only if the account has no folder with it yet.</summary>
public sealed record CreateFolderRequest(string? Name, string? Role);
