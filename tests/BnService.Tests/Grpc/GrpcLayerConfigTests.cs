using Bn.V1;
using Decay = BnEngine.Decay;
using Google.Protobuf.WellKnownTypes;
using ProtoConfig = Bn.V1.LayerConfig;

namespace BnService.Tests.Grpc;

/// <summary>bn.v1.LayerConfig to the engine's spec (unset = default) and the resolved config back.</summary>
public sealed class GrpcLayerConfigTests(FakeLayersHost fixture) : IClassFixture<FakeLayersHost>
{
    private readonly FakeLayerOperations _layers = fixture.Layers;
    private readonly BatchNorm.BatchNormClient _client = fixture.Host.Client;

    [Fact]
    public async Task UnsetFieldsTakeTheConventionDefaultsAndComeBackResolved()
    {
        var response = await _client.CreateLayerAsync(new CreateLayerRequest { Config = new ProtoConfig { Name = "defaults", Channels = 3 } });

        var spec = _layers.LastSpec!;
        Assert.Null(spec.Decay);
        Assert.Null(spec.Convention);
        Assert.Null(spec.Epsilon);
        Assert.Null(spec.ParamInitializers);
        Assert.Null(spec.Collections);

        var config = response.Layer.Config;
        Assert.True(response.Created);
        Assert.Equal("tensorflow", config.Convention);
        Assert.Equal("NHWC", config.DataFormat);
        Assert.Equal(0.999, config.Decay.NumberValue);
        Assert.Equal(1e-3, config.Epsilon);
        Assert.True(config.HasScale);
        Assert.False(config.Scale);
        Assert.Equal("none", config.Activation);
        Assert.Equal("in_place", config.Updates);
        Assert.Equal("auto", config.MovingVarianceCorrection);
        Assert.False(config.HasFused);
        Assert.Null(config.RenormClipping);
        Assert.Equal(1.0, config.ParamInitializers.Gamma.NumberValue);
        Assert.Equal([1.0, 1.0, 1.0], response.Layer.Gamma);
        Assert.Equal([0.0, 0.0, 0.0], response.Layer.MovingMean);
        Assert.Equal(0, response.Layer.Step);
    }

    [Fact]
    public async Task DecayNullMeansTheCumulativeAverage()
    {
        var response = await _client.CreateLayerAsync(new CreateLayerRequest
        {
            Config = new ProtoConfig { Name = "cumulative", Channels = 2, Convention = "pytorch", Decay = Value.ForNull() },
        });

        Assert.Equal(Decay.Cumulative, _layers.LastSpec!.Decay);
        Assert.Equal(Value.KindOneofCase.NullValue, response.Layer.Config.Decay.KindCase);
    }

    [Fact]
    public async Task EveryFieldSetIsPassedAndComesBack()
    {
        var request = new ProtoConfig
        {
            Name = "everything", Channels = 2, DataFormat = "NCHW", Convention = "keras", Decay = Value.ForNumber(0.9),
            UseNumUpdates = true, Center = true, Scale = true, Epsilon = 1e-4, Activation = "leaky_relu",
            ParamInitializers = new ParamInitializers
            {
                Beta = Value.ForNumber(0.5), Gamma = Value.ForList(Value.ForNumber(2), Value.ForNumber(3)),
                MovingMean = Value.ForList(Value.ForNumber(-1), Value.ForNumber(1)), MovingVariance = Value.ForNumber(4),
            },
            ParamRegularizers = new ParamRegularizers { Gamma = new L1L2 { L1 = 0.01, L2 = 0.02 } },
            Updates = "deferred", Trainable = false, Fused = true, MovingVarianceCorrection = "unbiased",
            ZeroDebiasMovingMean = true, Renorm = true, RenormClipping = new RenormClipping { Rmax = 3, Dmax = 5 },
            RenormDecay = 0.95, Collections = { "a", "b" },
        };

        var response = await _client.CreateLayerAsync(new CreateLayerRequest { Config = request });

        var spec = _layers.LastSpec!;
        Assert.Equal(BnEngine.DataFormat.Nchw, spec.DataFormat);
        Assert.Equal(BnEngine.Activation.LeakyRelu, spec.Activation);
        Assert.Equal(new RenormClipping { Rmax = 3, Dmax = 5 }, response.Layer.Config.RenormClipping);
        Assert.Equal(new BnEngine.RenormClipping(3, null, 5), spec.RenormClipping);
        Assert.Equal(new BnEngine.L1L2(0.01, 0.02), spec.ParamRegularizers!.Gamma);
        Assert.Null(spec.ParamRegularizers.Beta);

        // The resolved config equals what was sent, field for field.
        Assert.Equal(request, response.Layer.Config);
        Assert.Equal([2.0, 3.0], response.Layer.Gamma);
        Assert.Equal([0.5, 0.5], response.Layer.Beta);
        Assert.Equal([-1.0, 1.0], response.Layer.MovingMean);
        Assert.Equal([4.0, 4.0], response.Layer.MovingVariance);
    }
}
