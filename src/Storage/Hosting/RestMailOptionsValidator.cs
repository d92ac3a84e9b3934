using System.Net;
using Microsoft.Extensions.Options;

namespace RestMail.Storage.Hosting;

/// <summary>Rejects configurations that cannot work, with the key to fix in the message.</summary>
public sealed class RestMailOptionsValidator : IValidateOptions<RestMailOptions>
{
    public ValidateOptionsResult Validate(string? name, RestMailOptions options)
    {
        var failures = new List<string>();
        CheckPort(failures, "RestMail:Http:Port", options.Http.Port);
        CheckAddress(failures, "RestMail:Http:Address", options.Http.Address);
        CheckPort(failures, "RestMail:Https:Port", options.Https.Port);
        CheckAddress(failures, "RestMail:Https:Address", options.Https.Address);
        foreach (var (listenerName, listener) in options.Listeners)
        {
            CheckPort(failures, $"RestMail:{listenerName}:Port", listener.Port);
            CheckAddress(failures, $"RestMail:{listenerName}:Address", listener.Address);
        }
        CheckPort(failures, "RestMail:Silo:Port", options.Silo.Port);
        CheckPort(failures, "RestMail:Silo:GatewayPort", options.Silo.GatewayPort);
        CheckAddress(failures, "RestMail:Silo:AdvertisedAddress", options.Silo.AdvertisedAddress);
        if (string.IsNullOrWhiteSpace(options.Silo.ClusterId))
            failures.Add("RestMail:Silo:ClusterId must not be empty.");
        if (string.IsNullOrWhiteSpace(options.Silo.ServiceId))
            failures.Add("RestMail:Silo:ServiceId must not be empty.");
        if (!string.IsNullOrEmpty(options.Postgres.BinDir) && !Directory.Exists(options.Postgres.BinDir))
            failures.Add($"RestMail:Postgres:BinDir '{options.Postgres.BinDir}' does not exist.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckPort(List<string> failures, string key, int port)
    {
        if (port is < 0 or > 65535)
            failures.Add($"{key} must be between 0 and 65535 (was {port}).");
    }

    private static void CheckAddress(List<string> failures, string key, string address)
    {
        if (!IPAddress.TryParse(address, out _))
            failures.Add($"{key} must be an IP address such as 0.0.0.0 or 127.0.0.1 (was '{address}').");
    }
}
