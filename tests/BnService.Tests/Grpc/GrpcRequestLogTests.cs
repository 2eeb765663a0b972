using System.Collections.Concurrent;
using Bn.V1;
using BnService.Grpc;
using BnService.Hosting;
using BnService.Layers;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace BnService.Tests.Grpc;

/// <summary>The request log line of a gRPC call carries its gRPC status and, for unary calls, its layer.</summary>
public sealed class GrpcRequestLogTests
{
    [Fact]
    public async Task UnaryCallsRecordTheirLayerAndStatus()
    {
        var lines = new ConcurrentQueue<RequestLine>();
        await using var host = GrpcHost.Start(s =>
        {
            s.AddSingleton<ILayerOperations>(new FakeLayerOperations());
            s.AddSingleton<IStartupFilter>(new LineCapture(lines));
        });

        await host.Client.InferAsync(new InferRequest { Name = "logged", Input = Tensors.Data([1, 1], [1]) });
        var line = Assert.Single(lines);
        Assert.Equal(("/bn.v1.BatchNorm/Infer", "logged", "OK"), (line.Route, line.Layer, line.GrpcStatus));

        lines.Clear();
        await Assert.ThrowsAsync<RpcException>(() => host.Client.GetLayerAsync(new GetLayerRequest { Name = "fail-NotFound" }).ResponseAsync);
        line = Assert.Single(lines);
        Assert.Equal(("fail-NotFound", "NotFound"), (line.Layer, line.GrpcStatus));

        lines.Clear();
        await host.Client.CreateLayerAsync(new CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = "created", Channels = 1 } });
        Assert.Equal("created", Assert.Single(lines).Layer);
    }

    [Fact]
    public void TheLineGivesItsPropertiesOnlyWhenAsked()
    {
        var recorded = new RecordingDiagnosticContext();
        new RequestLine { Route = "/r", Layer = null }.WriteTo(recorded);
        Assert.Equal([(RequestLine.RouteProperty, (object?)"/r"), (RequestLine.LayerProperty, null)], recorded.Values);

        recorded.Values.Clear();
        new RequestLine { Route = "/r", Layer = "l", GrpcStatus = "OK", Client = "ci" }.WriteTo(recorded);
        Assert.Equal(4, recorded.Values.Count);
        Assert.Contains((RequestLine.GrpcStatusProperty, (object?)"OK"), recorded.Values);
        Assert.Contains((RequestLine.ClientProperty, (object?)"ci"), recorded.Values);
    }

    [Fact]
    public void TheLayerIsTheNameTheConfigsNameOrTheModelName()
    {
        Assert.Equal("a", GrpcRequestLog.LayerName(new TrainRequest { Name = "a" }));
        Assert.Equal("b", GrpcRequestLog.LayerName(new CreateLayerRequest { Config = new Bn.V1.LayerConfig { Name = "b" } }));
        Assert.Null(GrpcRequestLog.LayerName(new CreateLayerRequest()));
        Assert.Equal("c", GrpcRequestLog.LayerName(new global::Inference.ModelInferRequest { ModelName = "c" }));
        Assert.Null(GrpcRequestLog.LayerName(new ListLayersRequest { Prefix = "p" }));
        Assert.Null(GrpcRequestLog.LayerName("not a message"));
    }

    /// <summary>Outermost in the pipeline: keeps each request's line once everything inside has run.</summary>
    private sealed class LineCapture(ConcurrentQueue<RequestLine> lines) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, inner) =>
            {
                await inner(http);
                if (http.Features.Get<RequestLine>() is { } line)
                {
                    lines.Enqueue(line);
                }
            });
            next(app);
        };
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
