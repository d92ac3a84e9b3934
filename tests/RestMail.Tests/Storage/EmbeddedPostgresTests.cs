using Npgsql;
using RestMail.Storage.Postgres;

namespace RestMail.Tests.Storage;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task A_second_process_attaches_to_the_running_cluster_and_leaves_it_running()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"rmt-attach-{Guid.NewGuid():N}"[..24]);
        var options = new EmbeddedPostgresOptions { Directory = directory, Fsync = false };
        try
        {
            await using var first = await EmbeddedPostgres.StartAsync(options, TestContext.Current.CancellationToken);
            Assert.True(first.StartedHere);

            await using (var second = await EmbeddedPostgres.StartAsync(options, TestContext.Current.CancellationToken))
                Assert.False(second.StartedHere);

            // The second one's disposal did not stop the server the first one owns.
            await using var connection = new NpgsqlConnection(first.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand("SELECT 42", connection);
            Assert.Equal(42, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
