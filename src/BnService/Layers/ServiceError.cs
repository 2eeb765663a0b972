namespace BnService.Layers;

/// <summary>What went wrong, in protocol-neutral terms; REST and gRPC each map it in one place.</summary>
[GenerateSerializer, Alias("bn.ServiceErrorKind")]
public enum ServiceErrorKind
{
    /// <summary>400 / INVALID_ARGUMENT.</summary>
    InvalidArgument,
    /// <summary>404 / NOT_FOUND.</summary>
    NotFound,
    /// <summary>409 / ALREADY_EXISTS: create with reuse "never" on an existing name.</summary>
    AlreadyExists,
    /// <summary>409 / FAILED_PRECONDITION: reuse with a different config.</summary>
    ConfigMismatch,
    /// <summary>413 / RESOURCE_EXHAUSTED.</summary>
    TooLarge,
    /// <summary>415 / INVALID_ARGUMENT.</summary>
    UnsupportedMediaType,
    /// <summary>503 / UNAVAILABLE: a cluster node went away and the one retry failed too; nothing the client did, try again.</summary>
    Unavailable,
    /// <summary>401 / UNAUTHENTICATED: authentication is on and the call carries no valid API key.</summary>
    Unauthenticated,
    /// <summary>403 / PERMISSION_DENIED: the call's API key lacks the role the call needs.</summary>
    PermissionDenied,
}

/// <summary>An error a client caused; carries the field it is about, when there is one. Changes nothing.</summary>
public sealed class ServiceException(ServiceErrorKind kind, string message, string? field = null) : Exception(message)
{
    public ServiceErrorKind Kind { get; } = kind;
    public string? Field { get; } = field;
}
