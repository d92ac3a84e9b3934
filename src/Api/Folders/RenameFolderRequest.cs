namespace RestMail.Api.Folders;

public sealed record RenameFolderRequest(string? Name);
