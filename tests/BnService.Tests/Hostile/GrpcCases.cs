using Bn.V1;
using BnService.Grpc;
using Google.Protobuf;
using Grpc.Core;
using static BnService.Tests.Hostile.GrpcCase;
using Value = Google.Protobuf.WellKnownTypes.Value;

namespace BnService.Tests.Hostile;

/// <summary>
/// The malformed gRPC calls, by name. Every one must end with its status and a message, and leave every layer as it
/// was. Statuses are api.md's: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED;
/// broken framing is the gRPC framework's INTERNAL.
/// </summary>
public static class GrpcCases
{
    private const string Target = HostileService.Target;
    private const StatusCode Invalid = StatusCode.InvalidArgument;

    private static readonly float[] Eight = [1, 2, 3, 4, 5, 6, 7, 8];

    public static readonly IReadOnlyList<GrpcCase> All =
    [
        // CreateLayer.
        new("create: config missing", s => s.Grpc.CreateLayerAsync(new CreateLayerRequest()).ResponseAsync, Invalid),
        new("create: name empty", Create(new LayerConfig { Name = "", Channels = 4 }), Invalid),
        new("create: name ..", Create(new LayerConfig { Name = "..", Channels = 4 }), Invalid),
        new("create: name ../etc/passwd", Create(new LayerConfig { Name = "../etc/passwd", Channels = 4 }), Invalid),
        new("create: name a/b", Create(new LayerConfig { Name = "a/b", Channels = 4 }), Invalid),
        new("create: name 200 characters", Create(new LayerConfig { Name = new string('n', 200), Channels = 4 }), Invalid),
        new("create: name unicode", Create(new LayerConfig { Name = "层", Channels = 4 }), Invalid),
        new("create: channels 0", Create(new LayerConfig { Name = "g1", Channels = 0 }), Invalid),
        new("create: channels -1", Create(new LayerConfig { Name = "g1", Channels = -1 }), Invalid),
        new("create: channels 65537", Create(new LayerConfig { Name = "g1", Channels = 65537 }), Invalid),
        new("create: unknown data_format", Create(new LayerConfig { Name = "g1", Channels = 4, DataFormat = "CHWN" }), Invalid),
        new("create: unknown convention", Create(new LayerConfig { Name = "g1", Channels = 4, Convention = "mxnet" }), Invalid),
        new("create: unknown activation", Create(new LayerConfig { Name = "g1", Channels = 4, Activation = "swish" }), Invalid),
        new("create: unknown updates", Create(new LayerConfig { Name = "g1", Channels = 4, Updates = "lazy" }), Invalid),
        new("create: unknown moving_variance_correction", Create(new LayerConfig { Name = "g1", Channels = 4, MovingVarianceCorrection = "both" }), Invalid),
        new("create: unknown reuse", Create(new LayerConfig { Name = "g1", Channels = 4 }, reuse: "maybe"), Invalid),
        new("create: decay 2", Create(new LayerConfig { Name = "g1", Channels = 4, Decay = Value.ForNumber(2) }), Invalid),
        new("create: decay NaN", Create(new LayerConfig { Name = "g1", Channels = 4, Decay = Value.ForNumber(double.NaN) }), Invalid),
        new("create: decay a string", Create(new LayerConfig { Name = "g1", Channels = 4, Decay = Value.ForString("0.9") }), Invalid),
        new("create: decay a list", Create(new LayerConfig { Name = "g1", Channels = 4, Decay = Value.ForList(Value.ForNumber(0.9)) }), Invalid),
        new("create: epsilon -1", Create(new LayerConfig { Name = "g1", Channels = 4, Epsilon = -1 }), Invalid),
        new("create: epsilon NaN", Create(new LayerConfig { Name = "g1", Channels = 4, Epsilon = double.NaN }), Invalid),
        new("create: epsilon +Infinity", Create(new LayerConfig { Name = "g1", Channels = 4, Epsilon = double.PositiveInfinity }), Invalid),
        new("create: renorm_decay NaN", Create(new LayerConfig { Name = "g1", Channels = 4, Renorm = true, RenormDecay = double.NaN }), Invalid),
        new("create: renorm_clipping rmin NaN", Create(new LayerConfig { Name = "g1", Channels = 4, Renorm = true, RenormClipping = new RenormClipping { Rmin = double.NaN } }), Invalid),
        new("create: gamma initializer of 3 for 4 channels", Create(new LayerConfig
        {
            Name = "g1", Channels = 4, ParamInitializers = new ParamInitializers { Gamma = Value.ForList(Value.ForNumber(1), Value.ForNumber(1), Value.ForNumber(1)) },
        }), Invalid),
        new("create: beta initializer +Infinity", Create(new LayerConfig
        {
            Name = "g1", Channels = 4, ParamInitializers = new ParamInitializers { Beta = Value.ForNumber(double.PositiveInfinity) },
        }), Invalid),
        new("create: regularizer l1 NaN", Create(new LayerConfig
        {
            Name = "g1", Channels = 4, ParamRegularizers = new ParamRegularizers { Gamma = new L1L2 { L1 = double.NaN } },
        }), Invalid),
        new("create: existing name", Create(new LayerConfig { Name = Target, Channels = 4, Convention = "keras", Collections = { "hostile" } }), StatusCode.AlreadyExists),
        new("create: reuse with another config", Create(new LayerConfig { Name = Target, Channels = 8 }, reuse: "reuse"), StatusCode.FailedPrecondition),
        new("create: reuse of a missing name", Create(new LayerConfig { Name = "g1", Channels = 4 }, reuse: "reuse"), StatusCode.NotFound),

        // Train.
        new("train: input missing", Train(new TrainRequest { Name = Target }), Invalid, "input"),
        new("train: neither data nor raw_data", Train(new TrainRequest { Name = Target, Input = new Tensor { Shape = { 2, 4 } } }), Invalid, "input"),
        new("train: both data and raw_data", Train(new TrainRequest
        {
            Name = Target, Input = new Tensor { Shape = { 2, 4 }, Data = { Eight }, RawData = ByteString.CopyFrom(RestCase.Floats(Eight)) },
        }), Invalid, "input"),
        new("train: raw_data of 3 bytes", Train(new TrainRequest { Name = Target, Input = Raw([1, 4], [1, 2, 3]) }), Invalid, "input.raw_data"),
        new("train: raw_data one float short", Train(new TrainRequest { Name = Target, Input = Raw([2, 4], RestCase.Floats(1, 2, 3, 4, 5, 6, 7)) }), Invalid, "input.raw_data"),
        new("train: data one value long", Train(new TrainRequest { Name = Target, Input = Data([2, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9]) }), Invalid, "input.data"),
        new("train: shape empty", Train(new TrainRequest { Name = Target, Input = Data([], Eight) }), Invalid, "input.shape"),
        new("train: dim negative", Train(new TrainRequest { Name = Target, Input = Data([-2, 4], Eight) }), Invalid, "input.shape"),
        new("train: dim zero", Train(new TrainRequest { Name = Target, Input = Data([0, 4], [1]) }), Invalid, "input.shape"),
        new("train: rank 1", Train(new TrainRequest { Name = Target, Input = Data([8], Eight) }), Invalid, "input.shape"),
        new("train: rank 6", Train(new TrainRequest { Name = Target, Input = Data([1, 1, 1, 1, 2, 4], Eight) }), Invalid, "input.shape"),
        new("train: prod(shape) past int", Train(new TrainRequest { Name = Target, Input = Data([65536, 65536, 4], Eight) }), Invalid, "input.shape"),
        new("train: prod(shape) past long", Train(new TrainRequest { Name = Target, Input = Data([1L << 62, 1L << 62, 4], Eight) }), Invalid, "input.shape"),
        new("train: dim long.MaxValue", Train(new TrainRequest { Name = Target, Input = Data([long.MaxValue, 4], Eight) }), Invalid, "input.shape"),
        new("train: huge declared shape, tiny raw_data", Train(new TrainRequest { Name = Target, Input = Raw([1000000, 4], RestCase.Floats(Eight)) }), StatusCode.ResourceExhausted, "input"),
        new("train: data NaN", Train(new TrainRequest { Name = Target, Input = Data([2, 4], [1, 2, 3, float.NaN, 5, 6, 7, 8]) }), Invalid),
        new("train: data +Infinity", Train(new TrainRequest { Name = Target, Input = Data([2, 4], [1, 2, 3, 4, float.PositiveInfinity, 6, 7, 8]) }), Invalid),
        new("train: raw_data NaN", Train(new TrainRequest { Name = Target, Input = Raw([2, 4], RestCase.Floats(float.NaN, 2, 3, 4, 5, 6, 7, 8)) }), Invalid),
        new("train: raw_data -Infinity", Train(new TrainRequest { Name = Target, Input = Raw([2, 4], RestCase.Floats(1, 2, 3, 4, 5, 6, 7, float.NegativeInfinity)) }), Invalid),
        new("train: channels mismatch", Train(new TrainRequest { Name = Target, Input = Data([4, 2], Eight) }), Invalid),
        new("train: batch_weights too short", Train(new TrainRequest { Name = Target, Input = Data([2, 4], Eight), BatchWeights = { 1 } }), Invalid, "batch_weights"),
        new("train: batch_weights NaN", Train(new TrainRequest { Name = Target, Input = Data([2, 4], Eight), BatchWeights = { 1, float.NaN } }), Invalid, "batch_weights"),
        new("train: batch_weights negative", Train(new TrainRequest { Name = Target, Input = Data([2, 4], Eight), BatchWeights = { 1, -2 } }), Invalid, "batch_weights"),
        new("train: request_id 300 characters", Train(new TrainRequest { Name = Target, Input = Data([2, 4], Eight), RequestId = new string('r', 300) }), Invalid, "request_id"),
        new("train: request_id with a newline", Train(new TrainRequest { Name = Target, Input = Data([2, 4], Eight), RequestId = "a\nb" }), Invalid, "request_id"),
        new("train: unknown layer", Train(new TrainRequest { Name = "hostile.missing", Input = Data([2, 4], Eight) }), StatusCode.NotFound),
        new("train: name ../hostile.target", Train(new TrainRequest { Name = "../" + Target, Input = Data([2, 4], Eight) }), Invalid, "name"),
        new("train: name empty", Train(new TrainRequest { Name = "", Input = Data([2, 4], Eight) }), Invalid, "name"),
        new("train: name with NUL", Train(new TrainRequest { Name = Target + "\0", Input = Data([2, 4], Eight) }), Invalid, "name"),
        new("train: tensor over the batch limit", Train(new TrainRequest { Name = Target, Input = Raw([1025, 4], new byte[1025 * 16]) }), StatusCode.ResourceExhausted, "input"),
        new("train: message over the receive limit", Train(new TrainRequest
        {
            Name = Target, Input = Raw([2, 4], RestCase.Floats(Eight)), RequestId = new string('r', GrpcEndpoints.MaxMessageBytes(HostileService.MaxBatchBytes)),
        }), StatusCode.ResourceExhausted),

        // Infer, Backward and the other layer methods.
        new("infer: raw_data NaN", s => s.Grpc.InferAsync(new InferRequest { Name = Target, Input = Raw([2, 4], RestCase.Floats(1, 2, 3, 4, float.NaN, 6, 7, 8)) }).ResponseAsync, Invalid),
        new("infer: channels mismatch", s => s.Grpc.InferAsync(new InferRequest { Name = Target, Input = Data([1, 8], Eight) }).ResponseAsync, Invalid),
        new("backward: grad_output missing", Backward(new BackwardRequest { Name = Target, Input = Data([2, 4], Eight) }), Invalid, "grad_output"),
        new("backward: grad_output of another shape", Backward(new BackwardRequest { Name = Target, Input = Data([2, 4], Eight), GradOutput = Data([1, 4], [1, 2, 3, 4]) }), Invalid),
        new("backward: learning_rate NaN", Backward(Apply(double.NaN)), Invalid),
        new("backward: learning_rate +Infinity", Backward(Apply(double.PositiveInfinity)), Invalid),
        new("backward: learning_rate negative", Backward(Apply(-1)), Invalid),
        new("backward: learning_rate 1e308 overflows gamma", Backward(Apply(1e308)), Invalid),
        new("commit: unknown layer", s => s.Grpc.CommitAsync(new CommitRequest { Name = "hostile.missing" }).ResponseAsync, StatusCode.NotFound),
        new("reset: name with a space", s => s.Grpc.ResetAsync(new ResetRequest { Name = "a b" }).ResponseAsync, Invalid, "name"),
        new("delete: name ..", s => s.Grpc.DeleteLayerAsync(new DeleteLayerRequest { Name = ".." }).ResponseAsync, Invalid, "name"),
        new("get: name empty", s => s.Grpc.GetLayerAsync(new GetLayerRequest { Name = "" }).ResponseAsync, Invalid, "name"),
        new("moments: axis out of range", s => s.Grpc.MomentsAsync(new MomentsRequest { Input = Data([2, 4], Eight), Axes = { 5 } }).ResponseAsync, Invalid),
        new("moments: value NaN", s => s.Grpc.MomentsAsync(new MomentsRequest { Input = Data([2], [1, float.NaN]), Axes = { 0 } }).ResponseAsync, Invalid),
        new("batch_normalization: variance_epsilon NaN", s => s.Grpc.BatchNormalizationAsync(new BatchNormalizationRequest
        {
            X = Data([2, 4], Eight), Mean = Data([4], [0, 0, 0, 0]), Variance = Data([4], [1, 1, 1, 1]), VarianceEpsilon = double.NaN,
        }).ResponseAsync, Invalid),
        new("batch_normalization: mean missing", s => s.Grpc.BatchNormalizationAsync(new BatchNormalizationRequest
        {
            X = Data([2, 4], Eight), Variance = Data([4], [1, 1, 1, 1]), VarianceEpsilon = 0.001,
        }).ResponseAsync, Invalid, "mean"),

        // Streams: a bad first message ends the stream with its status and changes nothing.
        new("train stream: first message malformed", TrainStream(new TrainRequest { Name = Target, Input = Data([2, 4], [1, 2, 3]) }), Invalid, "input.data"),
        new("infer stream: name with a slash", async s =>
        {
            using var call = s.Grpc.InferStream();
            await call.RequestStream.WriteAsync(new InferRequest { Name = "a/b", Input = Data([2, 4], Eight) });
            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext())
            {
            }
        }, Invalid, "name"),

        // Frames and protobuf bytes written by hand.
        new("raw: bytes that are no protobuf", s => RawAsync(s, "Train", Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])), Invalid),
        new("raw: a length-delimited field past the end", s => RawAsync(s, "Train", Frame([0x0A, 0x7F, 0x61])), Invalid),
        new("raw: name that is not UTF-8", s => RawAsync(s, "Train", Frame([0x0A, 0x02, 0xFF, 0xFE])), Invalid),
        new("raw: input with the wire type of a number", s => RawAsync(s, "Train", Frame([0x0A, 0x0E, .. "hostile.target"u8, 0x10, 0x05])), Invalid, "input"),
        new("raw: stream message that is no protobuf", s => RawAsync(s, "TrainStream", Frame([0x0A, 0x02, 0xFF, 0xFE])), Invalid),
        new("raw: inference ModelInfer bytes that are no protobuf", s => RawAsync(s, "inference.GRPCInferenceService/ModelInfer", Frame([0x0A, 0x02, 0xFF, 0xFE])), Invalid),
        new("raw: inference ModelMetadata field past the end", s => RawAsync(s, "inference.GRPCInferenceService/ModelMetadata", Frame([0x0A, 0x7F, 0x61])), Invalid),
        new("raw: declared length over the receive limit", s => RawAsync(s, "Train", Frame(ValidTrain(), declaredLength: int.MaxValue)), StatusCode.ResourceExhausted),

        // Broken framing: api.md has no status for it; the gRPC framework answers INTERNAL (its protocol error, sent as
        // a status and not logged as a fault) before any message reaches the service.
        new("raw: frame shorter than it declares", s => RawAsync(s, "Train", Frame(ValidTrain(), declaredLength: ValidTrain().Length + 100)), StatusCode.Internal),
        new("raw: frame header cut short", s => RawAsync(s, "Train", [0x00, 0x00, 0x00]), StatusCode.Internal),
        new("raw: compressed flag without grpc-encoding", s => RawAsync(s, "Train", Frame(ValidTrain(), compressed: true)), StatusCode.Internal),
        new("raw: two messages on a unary call", s => RawAsync(s, "Train", [.. Frame(ValidTrain()), .. Frame(ValidTrain())]), StatusCode.Internal),
        new("raw: no message on a unary call", s => RawAsync(s, "Train", []), StatusCode.Internal),
    ];

    private static readonly Dictionary<string, GrpcCase> ByName = All.ToDictionary(c => c.Name);

    public static GrpcCase Named(string name) => ByName[name];

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var c in All)
        {
            names.Add(c.Name);
        }

        return names;
    }

    private static Tensor Data(long[] shape, float[] values) => new() { Shape = { shape }, Data = { values } };

    private static Tensor Raw(long[] shape, byte[] bytes) => new() { Shape = { shape }, RawData = ByteString.CopyFrom(bytes) };

    private static byte[] ValidTrain() => new TrainRequest { Name = Target, Input = Data([2, 4], Eight) }.ToByteArray();

    private static BackwardRequest Apply(double learningRate) => new()
    {
        Name = Target, Input = Data([2, 4], Eight), GradOutput = Data([2, 4], [1, 0, 0, 1, 0, 1, 1, 0]), Apply = new BackwardApply { LearningRate = learningRate },
    };

    private static Func<HostileService, Task> Create(LayerConfig config, string reuse = "") =>
        s => s.Grpc.CreateLayerAsync(new CreateLayerRequest { Config = config, Reuse = reuse }).ResponseAsync;

    private static Func<HostileService, Task> Train(TrainRequest request) => s => s.Grpc.TrainAsync(request).ResponseAsync;

    private static Func<HostileService, Task> Backward(BackwardRequest request) => s => s.Grpc.BackwardAsync(request).ResponseAsync;

    private static Func<HostileService, Task> TrainStream(TrainRequest request) => async s =>
    {
        using var call = s.Grpc.TrainStream();
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext())
        {
        }
    };
}
