using Npgsql;

namespace RestMail.Api.Admin;

/// <summary>Creates the first administrator from the command line (written by the API branch).</summary>
public static class AdminBootstrap
{
    public static Task<string> RunAsync(NpgsqlDataSource dataSource, string email, string password, CancellationToken ct) =>
        throw new NotSupportedException("written by the API branch");
}
