using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Problems;

/// <summary>RFC 9457 problem details for the errors every endpoint shares.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not found", detail);

    public static ProblemHttpResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ProblemHttpResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ProblemHttpResult Unauthorized(string detail) => Problem(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static ProblemHttpResult TooLarge(string detail) => Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail);

    public static ProblemHttpResult InsufficientStorage(string detail) => Problem(StatusCodes.Status507InsufficientStorage, "Over quota", detail);

    /// <summary>422: the request is well-formed JSON but its content is not acceptable.</summary>
    public static ProblemHttpResult Invalid(string detail, IDictionary<string, string[]>? errors = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors ?? new Dictionary<string, string[]>())
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Validation failed",
            Detail = detail,
            Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
        });

    /// <summary>422 for a single field.</summary>
    public static ProblemHttpResult Invalid(string field, string message) =>
        Invalid(message, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Maps a failed directory write to its problem.</summary>
    public static ProblemHttpResult From<T>(DirectoryResult<T> result) => result.Status switch
    {
        DirectoryStatus.NotFound => NotFound(result.Error ?? "Not found."),
        DirectoryStatus.Conflict => Conflict(result.Error ?? "Conflict."),
        _ => Invalid(result.Error ?? "Invalid request."),
    };

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });
}
