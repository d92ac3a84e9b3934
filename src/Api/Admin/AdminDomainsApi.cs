using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using RestMail.Api.Problems;
using RestMail.Grains.Domains;
using RestMail.Storage.Accounts;
using RestMail.Storage.Dkim;
using RestMail.Storage.Federation;
using RestMail.Storage.Hosting;

namespace RestMail.Api.Admin;

public static class AdminDomainsApi
{
    public static RouteGroupBuilder MapAdminDomainsEndpoints(this RouteGroupBuilder admin)
    {
        var domains = admin.MapGroup("/domains").WithTags("Admin: domains");
        domains.MapGet("/", ListAsync);
        domains.MapPost("/", CreateAsync);
        domains.MapGet("/{name}", GetAsync);
        domains.MapPatch("/{name}", UpdateAsync);
        domains.MapDelete("/{name}", DeleteAsync).WithSummary("Delete an empty domain (409 while it has accounts or aliases).");
        domains.MapGet("/{name}/settings", GetSettingsAsync);
        domains.MapPut("/{name}/settings", PutSettingsAsync);
        domains.MapGet("/{name}/dns", GetDnsRecordsAsync).WithSummary("The DNS records an operator must publish for the domain (MX, SPF, DKIM, DMARC, REST Mail discovery).");
        return admin;
    }

    internal static async Task<Ok<IReadOnlyList<DomainRecord>>> ListAsync(DirectoryStore directory, CancellationToken ct) =>
        TypedResults.Ok(await directory.ListDomainsAsync(ct));

    internal static async Task<Results<Created<DomainRecord>, ProblemHttpResult>> CreateAsync(
        CreateDomainRequest request, DirectoryStore directory, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
            return ApiProblems.Invalid("name", "name is required.");
        var result = await directory.CreateDomainAsync(request.Name, request.QuotaBytes, ct);
        return result.IsOk
            ? TypedResults.Created($"/v1/admin/domains/{result.Value!.Name}", result.Value)
            : ApiProblems.From(result);
    }

    internal static async Task<Results<Ok<DomainRecord>, ProblemHttpResult>> GetAsync(string name, DirectoryStore directory, CancellationToken ct) =>
        await directory.GetDomainAsync(name, ct) is { } domain ? TypedResults.Ok(domain) : ApiProblems.NotFound($"No domain '{name}'.");

    internal static async Task<Results<Ok<DomainRecord>, ProblemHttpResult>> UpdateAsync(
        string name, UpdateDomainRequest request, DirectoryStore directory, CancellationToken ct)
    {
        if (!request.QuotaBytes.IsPresent())
            return await GetAsync(name, directory, ct);
        if (!request.QuotaBytes.TryGetQuota(out var quota, out var error))
            return ApiProblems.Invalid("quota_bytes", "quota_bytes " + error);
        var result = await directory.SetDomainQuotaAsync(name, quota, ct);
        return result.IsOk ? TypedResults.Ok(result.Value!) : ApiProblems.From(result);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string name, DirectoryStore directory, IGrainFactory grains, CancellationToken ct)
    {
        var result = await directory.DeleteDomainAsync(name, ct);
        if (!result.IsOk)
            return ApiProblems.From(result);
        await grains.GetGrain<IDomainGrain>(result.Value!).ClearAsync().WaitAsync(ct);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<DomainSettings>, ProblemHttpResult>> GetSettingsAsync(
        string name, DirectoryStore directory, IGrainFactory grains, CancellationToken ct)
    {
        if (await directory.GetDomainAsync(name, ct) is not { } domain)
            return ApiProblems.NotFound($"No domain '{name}'.");
        return TypedResults.Ok(await grains.GetGrain<IDomainGrain>(domain.Name).GetSettingsAsync().WaitAsync(ct));
    }

    internal static async Task<Results<Ok<DomainSettings>, ProblemHttpResult>> PutSettingsAsync(
        string name, DomainSettings settings, DirectoryStore directory, IGrainFactory grains, CancellationToken ct)
    {
        if (await directory.GetDomainAsync(name, ct) is not { } domain)
            return ApiProblems.NotFound($"No domain '{name}'.");
        var errors = new Dictionary<string, string[]>();
        if (settings.DefaultAccountQuotaBytes < 0)
            errors["default_account_quota_bytes"] = ["must be a non-negative integer or null."];
        if (settings.MaxMessageBytes <= 0)
            errors["max_message_bytes"] = ["must be a positive integer."];
        string? catchAll = null;
        if (settings.CatchAllAddress is not null)
        {
            if (!MailAddresses.TryNormalizeAddress(settings.CatchAllAddress, out var address, out _))
                errors["catch_all_address"] = ["is not a valid address."];
            else
                catchAll = address;
        }
        if (errors.Count > 0)
            return ApiProblems.Invalid("The settings are not valid.", errors);
        var saved = await grains.GetGrain<IDomainGrain>(domain.Name).UpdateSettingsAsync(settings with { CatchAllAddress = catchAll }).WaitAsync(ct);
        return TypedResults.Ok(saved);
    }

    internal static async Task<Results<Ok<IReadOnlyList<DnsRecord>>, ProblemHttpResult>> GetDnsRecordsAsync(
        string name, DkimKeyStore dkimKeys, IOptions<RestMailOptions> options, IOptions<FederationOptions> federation, CancellationToken ct)
    {
        if (await dkimKeys.GetAsync(name, ct) is not { } key)
            return ApiProblems.NotFound($"No domain '{name}'.");
        return TypedResults.Ok(DnsRecord.For(key, options.Value.EffectiveHostname, federation.Value.PublicEndpoint));
    }
}
