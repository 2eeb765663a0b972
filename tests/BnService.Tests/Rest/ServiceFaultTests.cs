using System.Net;
using System.Net.Http.Headers;
using BnEngine;
using BnService.Layers;
using BnService.Tests.Grpc;
using Microsoft.Extensions.DependencyInjection;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Rest;

/// <summary>A fault of the service itself is a 500 problem without its internals, whatever the Accept header.</summary>
public class ServiceFaultTests
{
    [Theory]
    [InlineData("application/json")]
    [InlineData("application/octet-stream")]
    [InlineData("text/plain")]
    public async Task AFaultIsA500ProblemThatHidesItsInternals(string accept)
    {
        await using var host = GrpcHost.Start(s => s.AddSingleton<ILayerOperations>(new FaultyLayers()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/layers/any");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        using var response = await host.Rest.SendAsync(request);
        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.DoesNotContain(FaultyLayers.Secret, problem.ToJsonString(), StringComparison.Ordinal);
    }

    private sealed class FaultyLayers : ILayerOperations
    {
        public const string Secret = "internal detail of the fault";

        public Task<CreateOutcome> CreateAsync(LayerSpec spec, ReuseMode reuse, CancellationToken cancellationToken = default) => throw Fault();
        public Task<IReadOnlyList<LayerView>> ListAsync(string? prefix, string? collection, CancellationToken cancellationToken = default) => throw Fault();
        public Task<LayerView> GetAsync(string name, CancellationToken cancellationToken = default) => throw Fault();
        public Task DeleteAsync(string name, CancellationToken cancellationToken = default) => throw Fault();
        public Task<TrainOutcome> TrainAsync(string name, TrainInput input, CancellationToken cancellationToken = default) => throw Fault();
        public Task<TensorData> InferAsync(string name, TensorData input, CancellationToken cancellationToken = default) => throw Fault();
        public Task<BackwardOutcome> BackwardAsync(string name, BackwardInput input, CancellationToken cancellationToken = default) => throw Fault();
        public Task<LayerView> CommitAsync(string name, CancellationToken cancellationToken = default) => throw Fault();
        public Task<LayerView> ResetAsync(string name, CancellationToken cancellationToken = default) => throw Fault();

        private static InvalidOperationException Fault() => new(Secret);
    }
}
