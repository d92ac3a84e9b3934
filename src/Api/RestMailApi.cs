using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RestMail.Api.Account;
using RestMail.Api.Admin;
using RestMail.Api.Auth;
using RestMail.Api.Federation;
using RestMail.Api.Folders;
using RestMail.Api.Messages;
using RestMail.Api.Problems;
using RestMail.Api.Sync;
using RestMail.Storage.Accounts;
using RestMail.Storage.Mail;

namespace RestMail.Api;

public static class RestMailApi
{
    public const string AdminPolicy = "admin";

    /// <summary>Largest JSON body for ordinary endpoints.</summary>
    public const long DefaultBodyLimit = 1L * 1024 * 1024;

    /// <summary>Largest body for POST /v1/messages/send (raw message or JSON compose with attachments).</summary>
    public const long SendBodyLimit = 50L * 1024 * 1024;

    /// <summary>Registers authentication, problem details, OpenAPI and the endpoint services.</summary>
    public static IServiceCollection AddRestMailApi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DirectoryStore>();
        services.TryAddSingleton<MailQueries>();
        services.TryAddSingleton<RefreshTokenStore>();
        services.TryAddSingleton<ServerSettings>();
        services.TryAddSingleton<SigningKeyProvider>();
        services.TryAddSingleton<TokenIssuer>();
        services.TryAddSingleton<SenderKeyResolver>();
        services.TryAddSingleton<FederationAuthenticator>();
        services.TryAddSingleton<FederationReceiver>();

        services.AddOptions<EventStreamOptions>().BindConfiguration("RestMail:Events")
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero && o.ResubscribeInterval > TimeSpan.Zero, "RestMail:Events intervals must be positive.")
            .ValidateOnStart();
        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        // Binding failures (malformed JSON, wrong types) throw, so ApiExceptionHandler can explain them.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddOpenApi(options => options.AddDocumentTransformer<OpenApiBearer>().AddOperationTransformer<OpenApiBearer>());

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeyProvider>((options, keys) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = TokenIssuer.Issuer,
                    ValidAudience = TokenIssuer.Audience,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    IssuerSigningKeyResolver = (_, _, _, _) => [keys.Current],
                    NameClaimType = JwtRegisteredClaimNames.Email,
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                // The key lives in PostgreSQL: make sure it is loaded before the token is validated.
                options.Events = new JwtBearerEvents { OnMessageReceived = context => keys.GetAsync(context.HttpContext.RequestAborted) };
            });
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireRole(TokenIssuer.AdminRole));
        return services;
    }

    /// <summary>snake_case names, enums as snake_case strings.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    }

    /// <summary>Maps /v1 and /openapi/v1.json, with problem details for every error including unknown routes.</summary>
    public static WebApplication MapRestMailApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.Use(RejectOversizedBodies);
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();

        var v1 = app.MapGroup("/v1").WithMetadata(new RequestSizeLimitMetadata(DefaultBodyLimit));
        v1.MapAuthEndpoints();
        v1.MapFederationEndpoints(app.Configuration);

        var user = v1.MapGroup("").RequireAuthorization();
        user.MapAccountEndpoints();
        user.MapFoldersEndpoints();
        user.MapMessagesEndpoints();
        user.MapSendEndpoints();
        user.MapSearchEndpoints();
        user.MapChangesEndpoints();
        user.MapEventsEndpoints();

        var admin = v1.MapGroup("/admin").RequireAuthorization(AdminPolicy);
        admin.MapAdminDomainsEndpoints();
        admin.MapAdminFederationKeysEndpoints();
        admin.MapAdminAccountsEndpoints();
        admin.MapAdminAliasesEndpoints();
        admin.MapAdminQueueEndpoints();
        return app;
    }

    /// <summary>
    /// A body whose declared length is over the endpoint's limit gets a 413 problem before anything
    /// reads it; bodies without a length are cut off by Kestrel at the same limit.
    /// </summary>
    private static Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is { } max && context.Request.ContentLength > max)
        {
            return ApiProblems.TooLarge($"The request body is {context.Request.ContentLength} bytes; this endpoint accepts at most {max}.")
                .ExecuteAsync(context);
        }
        return next(context);
    }

    internal sealed class RequestSizeLimitMetadata(long limit) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => limit;
    }
}
