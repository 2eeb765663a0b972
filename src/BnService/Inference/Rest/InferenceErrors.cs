using BnService.Rest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BnService.Inference.Rest;

/// <summary>
/// Errors on <c>/v2</c> carry the protocol's <c>{"error": "..."}</c> inside the usual problem details, so clients of
/// either kind read them. Statuses come from <see cref="ProblemMapping"/>, as everywhere.
/// </summary>
public static class InferenceErrors
{
    public const string Member = "error";

    public const string PathPrefix = "/v2";

    /// <summary>
    /// Endpoint filter: a client's error becomes its problem with <c>error</c>, written whatever the Accept header
    /// says; the service's own faults go on to the exception handler (500).
    /// </summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (ProblemMapping.For(e) is { } problem)
        {
            AddError(problem);
            await ProblemMapping.WriteAsync(context.HttpContext, problem, e);
            return TypedResults.Empty;
        }
    }

    /// <summary>Adds <c>error</c> to problems written for <c>/v2</c> paths by the framework (unknown routes, faults).</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        if (context.HttpContext.Request.Path.StartsWithSegments(PathPrefix, StringComparison.Ordinal))
        {
            AddError(context.ProblemDetails);
        }
    }

    /// <summary><c>error</c>: the detail, prefixed by the field it is about; the title when there is no detail.</summary>
    public static void AddError(ProblemDetails problem)
    {
        if (problem.Extensions.ContainsKey(Member))
        {
            return;
        }

        var field = problem is ValidationProblemDetails { Errors.Count: 1 } validation ? validation.Errors.Keys.First() : null;
        var message = problem.Detail ?? problem.Title ?? "error";
        problem.Extensions[Member] = field is null ? message : $"{field}: {message}";
    }
}
