using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using RestMail.Grains;
using RestMail.Silo.Hosting;
using RestMail.Storage;

namespace RestMail.Tests.Infrastructure;

/// <summary>An Orleans in-process test cluster on its own fresh database: one per test class.</summary>
public sealed class MailCluster(PostgresServer postgres) : IAsyncLifetime
{
    private TestCluster? _cluster;

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not started.");

    /// <summary>A service from the (first) silo, e.g. the BlobStore.</summary>
    public T GetSiloService<T>() where T : notnull =>
        ((InProcessSiloHandle)Cluster.Primary!).SiloHost.Services.GetRequiredService<T>();

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await postgres.CreateDatabaseAsync();
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        var builder = new TestClusterBuilder(1);
        builder.Properties["ConnectionStrings:Postgres"] = ConnectionString;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        await DataSource.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration.GetConnectionString("Postgres")
                ?? throw new InvalidOperationException("No connection string for the test silo.");
            siloBuilder.Services.AddRestMailStorage(connectionString);
            siloBuilder.Services.AddRestMailGrains();
            // The same ADO.NET grain storage on PostgreSQL the host uses (tables from 0001_orleans.sql).
            OrleansPostgres.RegisterProvider();
            siloBuilder.AddAdoNetGrainStorage(OrleansPostgres.StorageName, o =>
            {
                o.Invariant = OrleansPostgres.Invariant;
                o.ConnectionString = connectionString;
            });
        }
    }
}
