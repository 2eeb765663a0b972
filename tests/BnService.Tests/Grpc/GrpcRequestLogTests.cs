using System.Collections.Concurrent;
using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace BnService.Tests.Grpc;

/// <summary>The request log line of a gRPC call carries its gRPC status and, for unary calls, its layer.</summary>
public sealed class GrpcRequestLogTests
{
    [Fact]
    public async Task UnaryCallsRecordTheirLayerAndStatus()
    {
        var recorded = new RecordingDiagnosticContext();
        await using var host = GrpcHost.Start(s =>
        {
            s.AddSingleton<ILayerOperations>(new FakeLayerOperations());
            s.AddSingleton<IDiagnosticContext>(recorded);
        });

        await host.Client.InferAsync(new InferRequest { Name = "logged", Input = Tensors.Data([1, 1], [1]) });
        Assert.Contains((GrpcRequestLogInterceptor.LayerProperty, (object?)"logged"), recorded.Values);
        Assert.Contains((GrpcRequestLogInterceptor.StatusProperty, (object?)"OK"), recorded.Values);

        recorded.Values.Clear();
        await Assert.ThrowsAsync<RpcException>(() => host.Client.GetLayerAsync(new GetLayerRequest { Name = "fail-NotFound" }).ResponseAsync);
        Assert.Contains((GrpcRequestLogInterceptor.LayerProperty, (object?)"fail-NotFound"), recorded.Values);
        Assert.Contains((GrpcRequestLogInterceptor.StatusProperty, (object?)"NotFound"), recorded.Values);

        recorded.Values.Clear();
        await host.Client.CreateLayerAsync(new CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = "created", Channels = 1 } });
        Assert.Contains((GrpcRequestLogInterceptor.LayerProperty, (object?)"created"), recorded.Values);
    }

    [Fact]
    public void TheLayerIsTheNameTheConfigsNameOrTheModelName()
    {
        Assert.Equal("a", GrpcRequestLogInterceptor.LayerName(new TrainRequest { Name = "a" }));
        Assert.Equal("b", GrpcRequestLogInterceptor.LayerName(new CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = "b" } }));
        Assert.Null(GrpcRequestLogInterceptor.LayerName(new CreateLayerRequest()));
        Assert.Equal("c", GrpcRequestLogInterceptor.LayerName(new global::Inference.ModelInferRequest { ModelName = "c" }));
        Assert.Null(GrpcRequestLogInterceptor.LayerName(new ListLayersRequest { Prefix = "p" }));
        Assert.Null(GrpcRequestLogInterceptor.LayerName("not a message"));
    }

    private sealed class RecordingDiagnosticContext : IDiagnosticContext
    {
        public ConcurrentQueue<(string, object?)> Values { get; } = new();

        public void Set(string propertyName, object? value, bool destructureObjects = false) => Values.Enqueue((propertyName, value));

        public void SetException(Exception exception)
        {
        }
    }
}
