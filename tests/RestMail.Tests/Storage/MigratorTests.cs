using Npgsql;
using RestMail.Storage.Postgres;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Storage;

public sealed class MigratorTests(PostgresServer postgres)
{
    [Fact]
    public async Task Applies_every_migration_once_even_when_processes_race()
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        // Five "processes" start together; the advisory lock lets exactly one apply each script.
        var runs = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Migrator.MigrateAsync(dataSource, TestContext.Current.CancellationToken)));

        var appliedOnce = runs.SelectMany(r => r).ToList();
        Assert.Equal(Migrator.All.Select(m => m.Version), appliedOnce.Order());
        Assert.Empty(await Migrator.MigrateAsync(dataSource, TestContext.Current.CancellationToken));

        await using var command = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)Migrator.All.Count, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
