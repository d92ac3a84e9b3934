namespace RestMail.Grains.Mailboxes;

/// <summary>Special-use folder roles (RFC 6154), stored lower-case in the folders table.</summary>
public enum FolderRole
{
    None = 0,
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}
