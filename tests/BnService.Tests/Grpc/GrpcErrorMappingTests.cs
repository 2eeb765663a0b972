using Bn.V1;
using BnService.Grpc;
using BnService.Layers;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace BnService.Tests.Grpc;

/// <summary>The one error mapping: every service error kind and engine error becomes its status, with the field.</summary>
public sealed class GrpcErrorMappingTests(FakeLayersHost fixture) : IClassFixture<FakeLayersHost>
{
    private readonly GrpcHost _host = fixture.Host;

    [Theory]
    [InlineData(ServiceErrorKind.InvalidArgument, StatusCode.InvalidArgument)]
    [InlineData(ServiceErrorKind.UnsupportedMediaType, StatusCode.InvalidArgument)]
    [InlineData(ServiceErrorKind.NotFound, StatusCode.NotFound)]
    [InlineData(ServiceErrorKind.AlreadyExists, StatusCode.AlreadyExists)]
    [InlineData(ServiceErrorKind.ConfigMismatch, StatusCode.FailedPrecondition)]
    [InlineData(ServiceErrorKind.TooLarge, StatusCode.ResourceExhausted)]
    public async Task ServiceErrorKindsMapToTheirStatus(ServiceErrorKind kind, StatusCode expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.TrainAsync(new TrainRequest
        {
            Name = $"fail-{kind}",
            Input = Tensors.Data([2, 1], [1, 2]),
        }).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.Equal(expected, GrpcErrorInterceptor.Code(kind));
    }

    [Fact]
    public async Task FieldErrorsCarryTheFieldInTrailersAndBadRequestDetails()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.TrainAsync(new TrainRequest
        {
            Name = "fail-InvalidArgument",
            Input = Tensors.Data([2, 1], [1, 2]),
        }).ResponseAsync);

        Assert.Equal("input", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
        var status = error.GetRpcStatus();
        Assert.NotNull(status);
        var badRequest = status.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Equal("input", Assert.Single(badRequest.FieldViolations).Field);
        Assert.Contains("failing as InvalidArgument", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EngineValidationIsInvalidArgumentWithItsField()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CreateLayerAsync(new CreateLayerRequest
        {
            Config = new LayerConfig { Name = "zero-channels", Channels = 0 },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("channels", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData(".leading-dot")]
    public async Task BadLayerNamesAreInvalidArgument(string name)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetLayerAsync(new GetLayerRequest { Name = name }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("name", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }

    [Theory]
    [InlineData("data_format", "nhwc")]
    [InlineData("convention", "torch")]
    [InlineData("activation", "gelu")]
    [InlineData("updates", "later")]
    [InlineData("moving_variance_correction", "both")]
    public async Task UnknownEnumStringsAreInvalidArgumentWithTheirField(string field, string value)
    {
        var config = new LayerConfig { Name = "enum-check", Channels = 2 };
        LayerConfig.Descriptor.FindFieldByName(field).Accessor.SetValue(config, value);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _host.Client.CreateLayerAsync(new CreateLayerRequest { Config = config }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }

    [Fact]
    public async Task UnknownReuseIsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CreateLayerAsync(new CreateLayerRequest
        {
            Config = new LayerConfig { Name = "reuse-check", Channels = 2 },
            Reuse = "sometimes",
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("reuse", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }

    [Fact]
    public async Task MissingConfigIsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CreateLayerAsync(new CreateLayerRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("config", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }

    [Fact]
    public async Task DecayThatIsNeitherNumberNorNullIsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CreateLayerAsync(new CreateLayerRequest
        {
            Config = new LayerConfig { Name = "decay-check", Channels = 2, Decay = Value.ForString("0.9") },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("decay", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InitializersThatAreNotNumbersAreInvalidArgument(bool inList)
    {
        var gamma = inList ? Value.ForList(Value.ForNumber(1), Value.ForBool(true)) : Value.ForString("one");
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CreateLayerAsync(new CreateLayerRequest
        {
            Config = new LayerConfig { Name = "init-check", Channels = 2, ParamInitializers = new ParamInitializers { Gamma = gamma } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("param_initializers.gamma", error.Trailers.GetValue(GrpcErrorInterceptor.FieldTrailer));
    }
}
