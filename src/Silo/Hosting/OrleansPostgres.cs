using System.Data.Common;
using System.Net;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using RestMail.Storage.Hosting;

namespace RestMail.Silo.Hosting;

/// <summary>
/// Orleans on PostgreSQL: grain storage "Default" and reminders always through the ADO.NET providers
/// (tables and queries from migration 0001_orleans.sql); membership either in PostgreSQL (a cluster)
/// or on localhost (one silo, embedded mode).
/// </summary>
public static class OrleansPostgres
{
    /// <summary>The ADO.NET invariant name under which Orleans finds Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The grain storage provider REST Mail grains use: <c>[PersistentState("state", "Default")]</c>.</summary>
    public const string StorageName = "Default";

    /// <summary>Makes Npgsql known to DbProviderFactories, which the Orleans ADO.NET providers use (idempotent).</summary>
    public static void RegisterProvider() => DbProviderFactories.RegisterFactory(Invariant, NpgsqlFactory.Instance);

    /// <summary>
    /// A gateway-role process: an Orleans client of the cluster whose silos are listed in
    /// PostgreSQL (the same ClusterId and ServiceId as the silos).
    /// </summary>
    public static IClientBuilder UseRestMailPostgres(this IClientBuilder client, string connectionString, SiloHostingOptions options)
    {
        RegisterProvider();
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "restmail-orleans" }.ConnectionString;
        });
        return client;
    }

    /// <summary>Configures identity, endpoints, clustering, grain storage and reminders.</summary>
    /// <param name="clusterInPostgres">True: ADO.NET membership (several silos). False: localhost clustering (one silo).</param>
    public static ISiloBuilder UseRestMailPostgres(this ISiloBuilder silo, string connectionString, SiloHostingOptions options, bool clusterInPostgres)
    {
        RegisterProvider();
        // Orleans connects without the pool settings of our own data source; keep its pools separate and modest.
        var orleansConnection = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "restmail-orleans" }.ConnectionString;

        if (clusterInPostgres)
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.Port, options.GatewayPort, listenOnAnyHostAddress: true);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = orleansConnection;
            });
        }
        else
        {
            silo.UseLocalhostClustering(options.Port, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        }

        silo.AddAdoNetGrainStorage(StorageName, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = orleansConnection;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = orleansConnection;
        });
        return silo;
    }
}
