using System.Net;
using System.Text.Json.Nodes;
using Bn.V1;
using BnService.Layers;
using BnService.Tests.Grpc;
using BnService.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Layers;

/// <summary>
/// Backward on a layer reached through its grain (an Orleans call, its batches read into pooled arrays and passed by
/// reference within the silo) answers bit for bit what the same call on a twin layer served on this node's host answers,
/// over gRPC in <c>data</c> and in <c>raw_data</c> and over REST, gradients alone and applied, and leaves the twin's state.
/// The grain path is forced by taking the layer out of <see cref="LocalLayers"/> once its grain listed it there.
/// </summary>
public sealed class GrainPathBackwardTests : IAsyncLifetime
{
    private const int Channels = 16;

    /// <summary>[96, 16] float32: 6 KB a tensor, over the smallest pooled length.</summary>
    private static readonly long[] Shape = [96, Channels];

    private GrpcHost _host = null!;

    public Task InitializeAsync()
    {
        _host = GrpcHost.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GrpcBackwardThroughTheGrainIsTheLocalPathsBitForBit(bool raw)
    {
        var (onHost, viaGrain) = await TwinLayersAsync("grain-backward-grpc");
        var client = _host.Client;
        var steps = 0;
        foreach (var apply in new double?[] { null, 0.05 })
        {
            foreach (var isTraining in new[] { true, false })
            {
                for (var seed = 0; seed < 3; seed++)
                {
                    var input = Values(1000 + seed, scale: 2f, offset: seed);
                    var gradOutput = Values(2000 + seed, scale: 0.5f, offset: -0.1f);
                    var local = await client.BackwardAsync(Request(onHost, input, gradOutput, raw, isTraining, apply));
                    var grain = await client.BackwardAsync(Request(viaGrain, input, gradOutput, raw, isTraining, apply));

                    var what = $"{(raw ? "raw_data" : "data")}, is_training={isTraining}, learning_rate={apply}, seed {seed}";
                    Assert.Equal(raw, !local.GradInput.RawData.IsEmpty);
                    Assert.Equal(Shape, local.GradInput.Shape);
                    Assert.Contains(Tensors.Values(local.GradInput), v => v != 0f);
                    Assert.NotEqual(0.0, local.RegularizationLoss);
                    Assert.True(local.ToByteArray().AsSpan().SequenceEqual(grain.ToByteArray()), $"{what}: the grain path answered otherwise");
                    steps += apply is null ? 0 : 1;
                }
            }
        }

        Assert.Equal(6, steps);
        await AssertSameStateAsync(onHost, viaGrain);
        AssertStillOnTheirPaths(onHost, viaGrain);
    }

    [Fact]
    public async Task RestBackwardThroughTheGrainIsTheLocalPathsBitForBit()
    {
        var (onHost, viaGrain) = await TwinLayersAsync("grain-backward-rest");
        foreach (var apply in new double?[] { null, 0.05 })
        {
            foreach (var isTraining in new[] { true, false })
            {
                var input = Values(3000, scale: 2f, offset: 0.5f);
                var gradOutput = Values(4000, scale: 0.5f, offset: 0f);
                var local = await RestBackwardAsync(onHost, input, gradOutput, isTraining, apply);
                var grain = await RestBackwardAsync(viaGrain, input, gradOutput, isTraining, apply);

                Assert.Equal(Shape.Aggregate(1L, (a, b) => a * b), Floats(JsonNode.Parse(local)!["grad_input"]).Length);
                Assert.True(local == grain, $"is_training={isTraining}, learning_rate={apply}: the grain path answered otherwise");
            }
        }

        await AssertSameStateAsync(onHost, viaGrain);
        AssertStillOnTheirPaths(onHost, viaGrain);
    }

    /// <summary>
    /// Two layers of one config, trained alike (the one through its grain), with a regularizer so that every field of the
    /// answer counts: the first served on this node's host, the second only through its grain.
    /// </summary>
    private async Task<(string OnHost, string ViaGrain)> TwinLayersAsync(string prefix)
    {
        var names = (OnHost: LayerNames.Unique(prefix + "-host"), ViaGrain: LayerNames.Unique(prefix + "-grain"));
        var locals = _host.Services.GetRequiredService<LocalLayers>();
        foreach (var name in new[] { names.OnHost, names.ViaGrain })
        {
            await _host.Client.CreateLayerAsync(new CreateLayerRequest
            {
                Config = new LayerConfig
                {
                    Name = name, Channels = Channels, Epsilon = 0.01, Center = true, Scale = true,
                    ParamRegularizers = new ParamRegularizers { Gamma = new L1L2 { L1 = 0.01, L2 = 0.02 }, Beta = new L1L2 { L2 = 0.03 } },
                },
            });
            // A call through the grain lists its host on this node; later calls run on that host.
            await _host.Client.GetLayerAsync(new GetLayerRequest { Name = name });
            Assert.True(locals.TryGet(name, out _), name);
        }

        Assert.True(locals.TryGet(names.ViaGrain, out var host));
        locals.Remove(host);
        AssertStillOnTheirPaths(names.OnHost, names.ViaGrain);

        for (var batch = 0; batch < 3; batch++)
        {
            var input = Tensors.Raw(Shape, Values(batch, scale: 3f, offset: batch));
            var local = await _host.Client.TrainAsync(new TrainRequest { Name = names.OnHost, Input = input });
            var grain = await _host.Client.TrainAsync(new TrainRequest { Name = names.ViaGrain, Input = input });
            Assert.Equal(local, grain);
        }

        return names;
    }

    private void AssertStillOnTheirPaths(string onHost, string viaGrain)
    {
        var locals = _host.Services.GetRequiredService<LocalLayers>();
        Assert.True(locals.TryGet(onHost, out _), $"{onHost} left this node's table");
        Assert.False(locals.TryGet(viaGrain, out _), $"{viaGrain} is served on the host again, not through its grain");
    }

    private async Task AssertSameStateAsync(string onHost, string viaGrain)
    {
        var local = (await _host.Client.GetLayerAsync(new GetLayerRequest { Name = onHost })).Layer;
        var grain = (await _host.Client.GetLayerAsync(new GetLayerRequest { Name = viaGrain })).Layer;
        grain.Config.Name = onHost;
        Assert.Equal(local, grain);
    }

    private async Task<string> RestBackwardAsync(string name, float[] input, float[] gradOutput, bool isTraining, double? apply)
    {
        var shape = Shape.Select(d => (int)d).ToArray();
        var body = new JsonObject { ["input"] = Tensor(shape, input), ["grad_output"] = Tensor(shape, gradOutput), ["is_training"] = isTraining };
        if (apply is { } rate)
        {
            body["apply"] = new JsonObject { ["learning_rate"] = rate };
        }

        using var response = await _host.Rest.PostAsync($"/v1/layers/{name}/backward", Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static BackwardRequest Request(string name, float[] input, float[] gradOutput, bool raw, bool isTraining, double? apply)
    {
        var request = new BackwardRequest
        {
            Name = name, Input = Tensors.Of(Shape, input, raw), GradOutput = Tensors.Of(Shape, gradOutput, raw), IsTraining = isTraining,
        };
        if (apply is { } rate)
        {
            request.Apply = new BackwardApply { LearningRate = rate };
        }

        return request;
    }

    private static float[] Values(int seed, float scale, float offset)
    {
        var random = new Random(seed);
        var values = new float[Shape[0] * Shape[1]];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = offset + (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return values;
    }
}
