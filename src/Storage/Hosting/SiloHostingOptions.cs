namespace RestMail.Storage.Hosting;

/// <summary>RestMail:Silo: the Orleans silo's identity and endpoints.</summary>
public sealed class SiloHostingOptions
{
    /// <summary>Silo-to-silo port.</summary>
    public int Port { get; set; } = 11111;

    /// <summary>Port on which Orleans clients (separate front-end processes) reach the silo.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos use to reach this one; in a multi-machine cluster, this machine's own address.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Silos with the same cluster id form one cluster (ADO.NET clustering).</summary>
    public string ClusterId { get; set; } = "restmail";

    /// <summary>Identifies the stored grain state and reminders; keep it stable across deployments.</summary>
    public string ServiceId { get; set; } = "restmail";
}
