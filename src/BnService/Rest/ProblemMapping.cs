using System.Diagnostics;
using BnEngine;
using BnService.Layers;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.Rest;

/// <summary>The one place where errors become HTTP statuses and RFC 9457 problem details.</summary>
public static class ProblemMapping
{
    public const string ProblemJson = "application/problem+json";

    public static (int Status, string Title) For(ServiceErrorKind kind) => kind switch
    {
        ServiceErrorKind.InvalidArgument => (StatusCodes.Status400BadRequest, "Invalid argument"),
        ServiceErrorKind.NotFound => (StatusCodes.Status404NotFound, "Layer not found"),
        ServiceErrorKind.AlreadyExists => (StatusCodes.Status409Conflict, "Already exists"),
        ServiceErrorKind.ConfigMismatch => (StatusCodes.Status409Conflict, "Configuration mismatch"),
        ServiceErrorKind.TooLarge => (StatusCodes.Status413PayloadTooLarge, "Request too large"),
        ServiceErrorKind.UnsupportedMediaType => (StatusCodes.Status415UnsupportedMediaType, "Unsupported media type"),
        ServiceErrorKind.Unavailable => (StatusCodes.Status503ServiceUnavailable, "Service unavailable"),
        ServiceErrorKind.Unauthenticated => (StatusCodes.Status401Unauthorized, "Unauthorized"),
        ServiceErrorKind.PermissionDenied => (StatusCodes.Status403Forbidden, "Forbidden"),
        _ => (StatusCodes.Status500InternalServerError, "Internal error"),
    };

    /// <summary>The problem for an exception, or null when it is not a client's error.</summary>
    public static ProblemDetails? For(Exception exception) => exception switch
    {
        ServiceException e => Problem(For(e.Kind), e.Message, e.Field),
        BatchNormException e => Problem(For(ServiceErrorKind.InvalidArgument), e.Message, e.Field),
        BadHttpRequestException e => Problem((e.StatusCode, "Bad request"), e.Message, null),
        _ => null,
    };

    /// <summary>
    /// The problem for a response that has a status and no body yet (no route matched, a method the route does not
    /// take): the framework's title for the status and a detail naming the request.
    /// </summary>
    public static ProblemDetails ForBareStatus(HttpContext httpContext)
    {
        var request = httpContext.Request;
        var status = httpContext.Response.StatusCode;
        var what = $"{request.Method} {request.PathBase}{request.Path}";
        var detail = status switch
        {
            StatusCodes.Status404NotFound => $"no route matches {what}",
            StatusCodes.Status405MethodNotAllowed => $"{what}: the route does not take this method",
            _ => $"{what} answered {status}",
        };
        return new ProblemDetails { Status = status, Detail = detail };
    }

    /// <summary>The status an exception answers with: its client error's, otherwise 500.</summary>
    public static int StatusFor(Exception exception) => For(exception)?.Status ?? StatusCodes.Status500InternalServerError;

    /// <summary>
    /// Writes a problem through <see cref="IProblemDetailsService"/>, or, when no writer takes it (the default one
    /// refuses clients whose Accept has no JSON, such as the binary path's <c>application/octet-stream</c>), as
    /// <c>application/problem+json</c> in the same shape: an error body is always a problem, whatever was asked for.
    /// </summary>
    public static async Task WriteAsync(HttpContext httpContext, ProblemDetails problem, Exception? exception = null)
    {
        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        var problems = httpContext.RequestServices.GetService<IProblemDetailsService>();
        if (problems is not null
            && await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }))
        {
            return;
        }

        // The framework's defaults for type and title, and the trace id the default writer adds (named by the naming policy, as it does).
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        problem = TypedResults.Problem(problem).ProblemDetails;
        problem.Extensions[json.PropertyNamingPolicy?.ConvertName("traceId") ?? "traceId"] = Activity.Current?.Id ?? httpContext.TraceIdentifier;
        await httpContext.Response.WriteAsJsonAsync(problem, json.GetTypeInfo(problem.GetType()), ProblemJson, httpContext.RequestAborted);
    }

    private static ProblemDetails Problem((int Status, string Title) kind, string detail, string? field)
    {
        var problem = field is null ? new ProblemDetails() : new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] });
        problem.Status = kind.Status;
        problem.Title = kind.Title;
        problem.Detail = detail;
        return problem;
    }
}

/// <summary>
/// Writes every exception that reaches the exception handler as a problem: <see cref="ProblemMapping"/>'s answer for
/// client errors, a bare 500 problem (no internals) for the service's own faults, which are still logged (see
/// <see cref="RestExtensions.AddBnRest"/>).
/// </summary>
internal sealed class ClientErrorHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ProblemMapping.For(exception) ?? new ProblemDetails { Status = StatusCodes.Status500InternalServerError };
        if (problem.Status == StatusCodes.Status401Unauthorized)
        {
            // RFC 9110: a 401 names the scheme that would be accepted.
            httpContext.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await ProblemMapping.WriteAsync(httpContext, problem, exception);
        return true;
    }
}
