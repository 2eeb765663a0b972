using BnService.Grpc;
using Grpc.Core;

namespace BnService.Tests.Hostile;

/// <summary>
/// Every case of <see cref="GrpcCases"/>: the exact status with a message (and the field, where the case names one),
/// every layer exactly as it was, and no fault in the host's log.
/// </summary>
public sealed class MalformedGrpcTests(HostileService service) : IClassFixture<HostileService>
{
    public static TheoryData<string> Cases => GrpcCases.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EndsWithItsStatusAndChangesNothing(string name)
    {
        var @case = GrpcCases.Named(name);
        var before = await service.SnapshotAsync();
        var mark = service.Logs.Mark();

        var error = await Assert.ThrowsAsync<RpcException>(() => @case.Call(service));
        Assert.True(error.StatusCode == @case.Status, $"{name}: expected {@case.Status}, got {error.StatusCode}: {error.Status.Detail} {string.Join("\n", service.Logs.Faults(mark))}");
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), $"{name}: the status has no message");
        if (@case.Field is not null)
        {
            Assert.Equal(@case.Field, error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        }

        Assert.Equal(before, await service.SnapshotAsync());
        service.Logs.AssertNoFaults(name, mark);
    }

    [Fact]
    public void ThereAreAtLeastSixtyDistinctCases()
    {
        Assert.True(GrpcCases.All.Count >= 60);
        Assert.Equal(GrpcCases.All.Count, GrpcCases.All.Select(c => c.Name).Distinct().Count());
    }
}
