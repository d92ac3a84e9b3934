namespace RestMail.Silo.Cli;

/// <summary>
/// The options after a command: named values (--name VALUE or --name=VALUE). Everything that is not
/// a command's own option is handed to .NET configuration, so --RestMail:Http:Port=8081 works.
/// </summary>
internal static class ConfigurationArguments
{
    /// <summary>A description of the first malformed argument, or null when all are well formed.</summary>
    public static string? Check(string[] args, IReadOnlyCollection<string> commandOptions)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                return $"Unexpected argument '{arg}'.";
            if (arg.Contains('=', StringComparison.Ordinal))
                continue;
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                return $"Option '{arg}' needs a value.";
            i++;
        }
        return null;
    }

    /// <summary>The value of --name (either form), or null.</summary>
    public static string? Value(string[] args, string name)
    {
        string? value = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
                value = args[++i];
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
                value = args[i][(name.Length + 1)..];
        }
        return value;
    }

    /// <summary>The arguments with the given options (and their values) removed.</summary>
    public static string[] Without(string[] args, IReadOnlyCollection<string> names)
    {
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (names.Contains(args[i]))
                i++;
            else if (!names.Any(n => args[i].StartsWith(n + "=", StringComparison.Ordinal)))
                rest.Add(args[i]);
        }
        return [.. rest];
    }
}
