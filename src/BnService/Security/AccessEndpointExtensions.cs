namespace BnService.Security;

/// <summary>Declaring the access of minimal-API routes, route groups and mapped gRPC services.</summary>
public static class AccessEndpointExtensions
{
    /// <summary>Calls to these endpoints need a key with <paramref name="role"/> when authentication is on.</summary>
    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder, AccessRole role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequireAccessAttribute(role));

    /// <summary>Calls to these endpoints need no key, even when authentication is on (health).</summary>
    public static TBuilder AllowOpenAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new OpenAccessAttribute());
}
