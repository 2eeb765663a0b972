using BnEngine;
using BnService.Layers;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace BnService.Rest;

/// <summary>The one place where errors become HTTP statuses and RFC 9457 problem details.</summary>
public static class ProblemMapping
{
    public static (int Status, string Title) For(ServiceErrorKind kind) => kind switch
    {
        ServiceErrorKind.InvalidArgument => (StatusCodes.Status400BadRequest, "Invalid argument"),
        ServiceErrorKind.NotFound => (StatusCodes.Status404NotFound, "Layer not found"),
        ServiceErrorKind.AlreadyExists => (StatusCodes.Status409Conflict, "Already exists"),
        ServiceErrorKind.ConfigMismatch => (StatusCodes.Status409Conflict, "Configuration mismatch"),
        ServiceErrorKind.TooLarge => (StatusCodes.Status413PayloadTooLarge, "Request too large"),
        ServiceErrorKind.UnsupportedMediaType => (StatusCodes.Status415UnsupportedMediaType, "Unsupported media type"),
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

    private static ProblemDetails Problem((int Status, string Title) kind, string detail, string? field)
    {
        var problem = field is null ? new ProblemDetails() : new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] });
        problem.Status = kind.Status;
        problem.Title = kind.Title;
        problem.Detail = detail;
        return problem;
    }
}

/// <summary>Writes <see cref="ProblemMapping"/>'s answer for client errors; anything else is left to the 500 problem.</summary>
internal sealed class ClientErrorHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (ProblemMapping.For(exception) is not { } problem)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
}
