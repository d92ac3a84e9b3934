using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Runtime;
using Orleans.Storage;
using RestMail.Silo.Hosting;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Hosting;

/// <summary>The Orleans ADO.NET providers against the project's own PostgreSQL schema (0001_orleans.sql).</summary>
public sealed class OrleansPostgresTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_silos_join_one_cluster_through_the_membership_table_and_the_leaver_is_marked_dead()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var first = await TestSilo.StartAsync(connectionString, cancellationToken: Ct);
        var second = await TestSilo.StartAsync(connectionString, cancellationToken: Ct);
        try
        {
            var management = first.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            Dictionary<SiloAddress, SiloStatus> hosts;
            while ((hosts = await management.GetHosts(true, Ct)).Count < 2 && DateTime.UtcNow < deadline)
                await Task.Delay(100, Ct);
            Assert.Equal(2, hosts.Count);

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            Assert.Equal(2L, await ScalarAsync(dataSource, "SELECT count(*) FROM orleans_membership WHERE deployment_id = 'test' AND status = 3"));
            Assert.True((int)(await ScalarAsync(dataSource, "SELECT version FROM orleans_membership_version WHERE deployment_id = 'test'"))! >= 2);

            var secondAddress = second.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            await second.StopAsync(Ct);
            var status = await ScalarAsync(dataSource,
                $"SELECT status FROM orleans_membership WHERE address = '{secondAddress.Endpoint.Address}' AND port = {secondAddress.Endpoint.Port} AND generation = {secondAddress.Generation}");
            Assert.Equal((int)SiloStatus.Dead, status);
        }
        finally
        {
            second.Dispose();
            await first.StopAsync(Ct);
            first.Dispose();
        }
    }

    [Fact]
    public async Task Grain_state_is_written_to_postgres_and_read_back_by_a_new_activation()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        using var silo = await TestSilo.StartAsync(connectionString, cancellationToken: Ct);
        try
        {
            var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IStateProbeGrain>("alice@example.com");
            await grain.Store(42);
            await grain.Store(43);
            var firstActivation = await grain.ActivationId();
            await grain.Deactivate();

            Assert.NotEqual(firstActivation, await grain.ActivationId());
            Assert.Equal(43, await grain.Load());

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            Assert.Equal(2, await ScalarAsync(dataSource,
                "SELECT version FROM orleans_grain_state WHERE grain_id_ext LIKE '%alice@example.com%'"));
        }
        finally
        {
            await silo.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task Writing_with_a_stale_etag_raises_InconsistentStateException_and_changes_nothing()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        using var silo = await TestSilo.StartAsync(connectionString, cancellationToken: Ct);
        try
        {
            var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(OrleansPostgres.StorageName);
            var grainId = GrainId.Create("probe", "stale");
            const string grainType = "RestMail.Tests.Probe";

            var early = new GrainState<ProbeState>(new ProbeState { Value = 1 });
            await storage.WriteStateAsync(grainType, grainId, early);
            Assert.Equal("1", early.ETag);

            var late = new GrainState<ProbeState>(new ProbeState());
            await storage.ReadStateAsync(grainType, grainId, late);
            Assert.Equal(1, late.State!.Value);
            late.State!.Value = 2;
            await storage.WriteStateAsync(grainType, grainId, late);
            Assert.Equal("2", late.ETag);

            early.State!.Value = 99;
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(grainType, grainId, early));

            // A second "first write" (no etag) must not overwrite the stored row either.
            var fresh = new GrainState<ProbeState>(new ProbeState { Value = 7 });
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(grainType, grainId, fresh));

            var reread = new GrainState<ProbeState>(new ProbeState());
            await storage.ReadStateAsync(grainType, grainId, reread);
            Assert.Equal(2, reread.State!.Value);
            Assert.Equal("2", reread.ETag);

            // Clearing with the current etag works and keeps the version sequence; a stale clear fails.
            await storage.ClearStateAsync(grainType, grainId, reread);
            Assert.Equal("3", reread.ETag);
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(grainType, grainId, late));
        }
        finally
        {
            await silo.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task A_reminder_is_stored_fires_and_is_removed_on_unregister()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        using var silo = await TestSilo.StartAsync(connectionString, cancellationToken: Ct);
        try
        {
            var key = $"reminder-{Guid.NewGuid():N}";
            var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IReminderProbeGrain>(key);
            var tick = ReminderTicks.Next($"{key}/wake");

            await grain.Register("wake", TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1));

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            Assert.Equal(60_000L, await ScalarAsync(dataSource, $"SELECT period_ms FROM orleans_reminders WHERE grain_id LIKE '%{key}' AND reminder_name = 'wake'"));
            Assert.True(await grain.Has("wake"));

            await tick.WaitAsync(TimeSpan.FromSeconds(60), Ct);

            await grain.Unregister("wake");
            Assert.False(await grain.Has("wake"));
            Assert.Equal(0L, await ScalarAsync(dataSource, $"SELECT count(*) FROM orleans_reminders WHERE grain_id LIKE '%{key}'"));
        }
        finally
        {
            await silo.StopAsync(Ct);
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(Ct);
    }
}
