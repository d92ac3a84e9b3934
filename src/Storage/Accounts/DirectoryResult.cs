namespace RestMail.Storage.Accounts;

public enum DirectoryStatus
{
    Ok = 0,
    NotFound,
    /// <summary>The name is taken, or the entry is still in use.</summary>
    Conflict,
    /// <summary>The input is well-formed but not acceptable (bad address, domain not hosted, ...).</summary>
    Invalid,
}

/// <summary>The outcome of a directory write: a value, or why there is none.</summary>
public readonly record struct DirectoryResult<T>(DirectoryStatus Status, T? Value, string? Error)
{
    public bool IsOk => Status == DirectoryStatus.Ok;
}

/// <summary>Factories for <see cref="DirectoryResult{T}"/>.</summary>
public static class DirectoryResult
{
    public static DirectoryResult<T> Ok<T>(T value) => new(DirectoryStatus.Ok, value, null);
    public static DirectoryResult<T> NotFound<T>(string error) => new(DirectoryStatus.NotFound, default, error);
    public static DirectoryResult<T> Conflict<T>(string error) => new(DirectoryStatus.Conflict, default, error);
    public static DirectoryResult<T> Invalid<T>(string error) => new(DirectoryStatus.Invalid, default, error);
}
