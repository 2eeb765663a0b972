using BnService.Grpc;
using BnService.Layers;
using BnService.Rest;
using BnService.Security;
using Microsoft.AspNetCore.Http;

namespace BnService.Tests.Security;

/// <summary>AccessControl.Require, the check for calls whose needed role depends on their body.</summary>
public sealed class AccessCheckTests
{
    [Fact]
    public void AReadKeyMayNotMakeAWriteCall()
    {
        var http = new DefaultHttpContext();
        http.Features.Set(new ApiCaller("dashboard", AccessRole.Read));

        AccessControl.Require(http, AccessRole.Read);
        var denied = Assert.Throws<ServiceException>(() => AccessControl.Require(http, AccessRole.Write));
        Assert.Equal(ServiceErrorKind.PermissionDenied, denied.Kind);
        Assert.Contains("dashboard", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWriteKeyAndAnUnrestrictedCallerMayDoEverything()
    {
        foreach (var caller in new[] { new ApiCaller("trainer", AccessRole.Write), ApiCaller.Unrestricted })
        {
            var http = new DefaultHttpContext();
            http.Features.Set(caller);
            AccessControl.Require(http, AccessRole.Read);
            AccessControl.Require(http, AccessRole.Write);
        }
    }

    [Fact]
    public void NoIdentifiedCallerIsUnauthenticated()
    {
        var denied = Assert.Throws<ServiceException>(() => AccessControl.Require(new DefaultHttpContext(), AccessRole.Read));
        Assert.Equal(ServiceErrorKind.Unauthenticated, denied.Kind);
    }

    [Fact]
    public void BothProtocolsMapTheAccessErrorsInTheirOnePlace()
    {
        Assert.Equal(StatusCodes.Status401Unauthorized, ProblemMapping.For(ServiceErrorKind.Unauthenticated).Status);
        Assert.Equal(StatusCodes.Status403Forbidden, ProblemMapping.For(ServiceErrorKind.PermissionDenied).Status);
        Assert.Equal(global::Grpc.Core.StatusCode.Unauthenticated, GrpcErrorInterceptor.Code(ServiceErrorKind.Unauthenticated));
        Assert.Equal(global::Grpc.Core.StatusCode.PermissionDenied, GrpcErrorInterceptor.Code(ServiceErrorKind.PermissionDenied));
    }
}
