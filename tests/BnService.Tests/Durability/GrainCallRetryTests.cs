using BnService.Cluster;
using BnService.Layers;

namespace BnService.Tests.Durability;

/// <summary>A call interrupted by a node failure is retried once; a second failure is 503 / UNAVAILABLE; other errors are not retried.</summary>
public class GrainCallRetryTests
{
    [Fact]
    public async Task ANodeFailureIsRetriedOnce()
    {
        var calls = 0;
        var result = await GrainCallRetry.OnceAsync(() => ++calls == 1 ? throw new SiloUnavailableException("gone") : Task.FromResult(calls));
        Assert.Equal(2, result);
    }

    [Fact]
    public async Task ATimeoutIsRetriedOnce()
    {
        var calls = 0;
        Assert.Equal(2, await GrainCallRetry.OnceAsync(() => ++calls == 1 ? throw new TimeoutException() : Task.FromResult(calls)));
    }

    [Fact]
    public async Task ASecondFailureIsUnavailable()
    {
        var calls = 0;
        var error = await Assert.ThrowsAsync<ServiceException>(() => GrainCallRetry.OnceAsync<int>(() =>
        {
            calls++;
            throw new SiloUnavailableException("gone");
        }));
        Assert.Equal(ServiceErrorKind.Unavailable, error.Kind);
        Assert.Equal(2, calls);
        Assert.Equal(503, BnService.Rest.ProblemMapping.For(error.Kind).Status);
        Assert.Equal(global::Grpc.Core.StatusCode.Unavailable, BnService.Grpc.GrpcErrorInterceptor.Code(error.Kind));
    }

    [Fact]
    public async Task OtherErrorsAreNotRetried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => GrainCallRetry.OnceAsync<int>(() =>
        {
            calls++;
            throw new InvalidOperationException();
        }));
        Assert.Equal(1, calls);
    }
}
