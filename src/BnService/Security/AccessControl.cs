using BnService.Layers;
using Grpc.Core;

namespace BnService.Security;

/// <summary>The access rules: what an endpoint needs, and the check for calls whose need depends on their body.</summary>
public static class AccessControl
{
    /// <summary>
    /// What a call to <paramref name="endpoint"/> needs: its declaration (null: open), or write when it declares
    /// nothing, so an endpoint someone forgot to declare is never open to read keys.
    /// </summary>
    public static AccessRole? Needed(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return Needed(endpoint.Metadata);
    }

    /// <inheritdoc cref="Needed(Endpoint)"/>
    public static AccessRole? Needed(IEnumerable<object> endpointMetadata) =>
        endpointMetadata.OfType<IAccessDeclaration>().LastOrDefault() is { } declaration ? declaration.Role : AccessRole.Write;

    /// <summary>Whether <paramref name="endpoint"/> declares its access (a test lists those that do not).</summary>
    public static bool IsDeclared(Endpoint endpoint) => endpoint.Metadata.GetMetadata<IAccessDeclaration>() is not null;

    /// <summary>
    /// For handlers whose need depends on the request (an inference call that trains needs write): throws a
    /// <see cref="ServiceException"/> that answers 403 / PERMISSION_DENIED when the caller's key lacks
    /// <paramref name="role"/>. Passes whenever authentication is off.
    /// </summary>
    public static void Require(HttpContext http, AccessRole role)
    {
        ArgumentNullException.ThrowIfNull(http);
        var caller = http.Features.Get<ApiCaller>()
                     ?? throw new ServiceException(ServiceErrorKind.Unauthenticated, "this call needs an API key (Authorization: Bearer <key>)");
        if (!caller.Role.Allows(role))
        {
            throw new ServiceException(ServiceErrorKind.PermissionDenied,
                $"this call needs a key with the '{role.ApiName()}' role; key '{caller.KeyName}' has the '{caller.Role.ApiName()}' role");
        }
    }

    /// <inheritdoc cref="Require(HttpContext, AccessRole)"/>
    public static void Require(ServerCallContext context, AccessRole role)
    {
        ArgumentNullException.ThrowIfNull(context);
        Require(context.GetHttpContext(), role);
    }
}
