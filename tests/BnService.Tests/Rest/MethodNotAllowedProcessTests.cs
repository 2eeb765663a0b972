using System.Net;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>
/// The real process on its two ports: 405 for a wrong method on the REST port, UNIMPLEMENTED for unknown gRPC methods on
/// the gRPC port, also for a gRPC call to a Swagger page.
/// </summary>
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

        // A gRPC call to a Swagger page over h2c is gRPC's: UNIMPLEMENTED, not the page's 405.
        using (var h2c = new HttpClient { BaseAddress = service.GrpcAddress, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact })
        {
            var content = new ByteArrayContent([0, 0, 0, 0, 0]);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            using var call = await h2c.PostAsync("/swagger/index.html", content);
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            Assert.Equal("12", Assert.Single(call.Headers.GetValues("grpc-status")));
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
