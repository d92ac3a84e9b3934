using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using RestMail.Storage.Mail;

namespace RestMail.Api.Problems;

/// <summary>
/// Turns the exceptions that mean "bad request" into problem details: malformed JSON or a body the
/// binder cannot read, a bad cursor or search (400), a body over the size limit (413). Anything else stays a 500 without
/// internals in the body.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status413PayloadTooLarge, "Payload too large", "The request body is larger than this endpoint accepts."),
            BadHttpRequestException { InnerException: JsonException json } =>
                (StatusCodes.Status400BadRequest, "Malformed JSON", $"The request body is not valid JSON for this endpoint: {json.Message}"),
            BadHttpRequestException bad =>
                (bad.StatusCode, "Bad request", bad.Message),
            InvalidQueryException invalid =>
                (StatusCodes.Status400BadRequest, "Invalid query", invalid.Message),
            _ => (0, "", ""),
        };
        if (status == 0 || httpContext.Response.HasStarted)
            return false;
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
