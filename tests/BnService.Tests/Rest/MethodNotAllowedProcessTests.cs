using System.Net;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>The real process on its two ports: 405 for a wrong method on the REST port, UNIMPLEMENTED for unknown gRPC methods on the gRPC port.</summary>
public sealed class MethodNotAllowedProcessTests
{
    [Fact]
    public async Task EachPortAnswersWhatItServesNot()
    {
        await using var service = await ServiceProcess.StartAsync();
        using var rest = new HttpClient { BaseAddress = service.RestAddress };
        using (var put = await rest.PutAsync("/v1/layers", Json("{}")))
        {
            await AssertProblemAsync(put, HttpStatusCode.MethodNotAllowed);
            Assert.Equal(["GET", "POST"], put.Content.Headers.Allow.Order(StringComparer.Ordinal));
        }

        using (var unknown = await rest.PutAsync("/v1/nothing", Json("{}")))
        {
            await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        }

        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        foreach (var (serviceName, methodName) in new[] { ("bn.v1.BatchNorm", "Nothing"), ("no.Such", "Service") })
        {
            var method = new Method<byte[], byte[]>(MethodType.Unary, serviceName, methodName,
                Marshallers.Create(bytes => bytes, bytes => bytes), Marshallers.Create(bytes => bytes, bytes => bytes));
            var error = await Assert.ThrowsAsync<RpcException>(() =>
                channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), []).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.Unimplemented, $"{serviceName}/{methodName}: {error.Status}");
        }
    }
}
