using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Mail;

/// <summary>Maps <see cref="FolderRole"/> to the folders.role column and back.</summary>
public static class FolderRoles
{
    public static string? ToColumn(FolderRole role) => role == FolderRole.None ? null : role.ToString().ToLowerInvariant();

    public static FolderRole FromColumn(string? value) =>
        value is null ? FolderRole.None : Enum.Parse<FolderRole>(value, ignoreCase: true);

    /// <summary>The default folders every account starts with, in display order.</summary>
    public static IReadOnlyList<(string Name, FolderRole Role)> Defaults { get; } =
    [
        ("INBOX", FolderRole.Inbox),
        ("Sent", FolderRole.Sent),
        ("Drafts", FolderRole.Drafts),
        ("Trash", FolderRole.Trash),
        ("Junk", FolderRole.Junk),
        ("Archive", FolderRole.Archive),
    ];
}
