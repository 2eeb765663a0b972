namespace BnService.Security;

/// <summary>
/// Endpoint metadata: the access a call needs. <see cref="Role"/> null means open (no key needed: health).
/// The last declaration wins, so a gRPC method's attribute overrides its service's.
/// </summary>
public interface IAccessDeclaration
{
    AccessRole? Role { get; }
}

/// <summary>
/// The call needs a key with <paramref name="role"/> (write includes read). On a gRPC service method (or class), or
/// through <see cref="AccessEndpointExtensions.RequireAccess{TBuilder}"/> on a route, group or mapped service.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequireAccessAttribute(AccessRole role) : Attribute, IAccessDeclaration
{
    public AccessRole Role { get; } = role;

    AccessRole? IAccessDeclaration.Role => Role;
}

/// <summary>The call needs no key: health, and only health (see SECURITY.md).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class OpenAccessAttribute : Attribute, IAccessDeclaration
{
    public AccessRole? Role => null;
}
