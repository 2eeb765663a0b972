using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using BnService.Tests.Grpc;
using BnService.Tests.Infrastructure;
using BnService.Tests.Security;
using Google.Protobuf;
using Grpc.Core;
using static BnService.Tests.Infrastructure.RestCalls;
using Proto = global::Inference;

namespace BnService.Tests.Inference;

/// <summary>With API keys on: a read key infers and reads metadata, only a write key trains; health needs no key.</summary>
public sealed class InferenceAuthTests : IAsyncLifetime
{
    private static readonly int[] Shape = [2, 3];
    private static readonly float[] Batch = [1, 2, 3, 4, 5, 7];

    private GrpcHost _host = null!;
    private string _name = null!;

    public async Task InitializeAsync()
    {
        _host = AuthenticatedHost.Start();
        _name = LayerNames.Unique("v2-auth");
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/layers") { Content = Json(new JsonObject { ["name"] = _name, ["channels"] = 3 }) };
        await ReadJsonAsync(await Send(create, Caller.WriteKey), HttpStatusCode.Created);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> Send(HttpRequestMessage request, Caller caller)
    {
        if (caller.Authorization() is { } authorization)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        return _host.Rest.SendAsync(request);
    }

    private Task<HttpResponseMessage> Infer(Caller caller, bool training) =>
        Send(new HttpRequestMessage(HttpMethod.Post, $"/v2/models/{_name}/infer")
        {
            Content = Json(V2Calls.Request(Shape, Batch, parameters: training ? V2Calls.Training() : null)),
        }, caller);

    private async Task<int> StepAsync()
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/v1/layers/{_name}");
        return (int)(await ReadJsonAsync(await Send(get, Caller.ReadKey)))["step"]!;
    }

    [Fact]
    public async Task RestTrainingNeedsAWriteKey()
    {
        await ReadJsonAsync(await Infer(Caller.ReadKey, training: false));
        await V2Calls.AssertErrorAsync(await Infer(Caller.ReadKey, training: true), HttpStatusCode.Forbidden);
        await V2Calls.AssertErrorAsync(await Infer(Caller.NoKey, training: false), HttpStatusCode.Unauthorized);
        Assert.Equal(0, await StepAsync());

        var trained = await ReadJsonAsync(await Infer(Caller.WriteKey, training: true));
        Assert.Equal(1, (long)trained["parameters"]!["step"]!);
        Assert.Equal(1, await StepAsync());
    }

    [Fact]
    public async Task RestHealthIsOpenAndMetadataNeedsAKey()
    {
        await ReadJsonAsync(await Send(new HttpRequestMessage(HttpMethod.Get, "/v2/health/live"), Caller.NoKey));
        await ReadJsonAsync(await Send(new HttpRequestMessage(HttpMethod.Get, "/v2/health/ready"), Caller.NoKey));
        await V2Calls.AssertErrorAsync(await Send(new HttpRequestMessage(HttpMethod.Get, $"/v2/models/{_name}"), Caller.NoKey), HttpStatusCode.Unauthorized);
        await ReadJsonAsync(await Send(new HttpRequestMessage(HttpMethod.Get, $"/v2/models/{_name}"), Caller.ReadKey));
    }

    [Fact]
    public async Task GrpcTrainingNeedsAWriteKey()
    {
        var client = new Proto.GRPCInferenceService.GRPCInferenceServiceClient(_host.Invoker);
        Assert.True((await client.ServerLiveAsync(new Proto.ServerLiveRequest())).Live);

        var request = new Proto.ModelInferRequest { ModelName = _name };
        var input = new Proto.ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 2, 3 } };
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(Batch.AsSpan())));
        Metadata Key(Caller caller) => new() { { "authorization", caller.Authorization()! } };

        await client.ModelInferAsync(request, Key(Caller.ReadKey));
        request.Parameters["training"] = new Proto.InferParameter { BoolParam = true };
        var denied = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(request, Key(Caller.ReadKey)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var unauthenticated = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);
        Assert.Equal(0, await StepAsync());

        var trained = await client.ModelInferAsync(request, Key(Caller.WriteKey));
        Assert.Equal(1, trained.Parameters["step"].Int64Param);
    }
}
