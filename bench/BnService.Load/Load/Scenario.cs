using Bn.V1;

namespace BnService.Load.Load;

/// <summary>
/// One way of sending a batch, against BnService and against the echo of the same protocol: REST JSON train, REST
/// binary train and infer, gRPC unary Train with <c>data</c> and with <c>raw_data</c>, gRPC TrainStream and InferStream
/// (<c>raw_data</c>).
/// </summary>
public sealed record Scenario(string Name, Func<Target, Batch, int, Task<ICaller>> Caller)
{
    private const string Json = "application/json";
    private const string Binary = "application/octet-stream";

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("rest_json_train", (t, b, w) => Rest(t, b, w, "train", json: true)),
        new("rest_binary_train", (t, b, w) => Rest(t, b, w, "train", json: false)),
        new("rest_binary_infer", (t, b, w) => Rest(t, b, w, "infer", json: false)),
        new("grpc_train_data", (t, b, w) => Unary(t, b, w, raw: false)),
        new("grpc_train_raw", (t, b, w) => Unary(t, b, w, raw: true)),
        new("grpc_trainstream", TrainStream),
        new("grpc_inferstream", InferStream),
    ];

    private static Task<ICaller> Rest(Target target, Batch batch, int worker, string operation, bool json)
    {
        var uri = target.IsEcho ? new Uri(target.Server.RestAddress, "/echo")
            : new Uri(target.Server.RestAddress, $"/v1/layers/{Target.LayerName(worker)}/{operation}");
        var body = json ? batch.JsonTrainBody : batch.Bytes;
        // A JSON answer holds at least the output's values in text; a binary one exactly the batch.
        var expected = json ? -(long)batch.Values.Length * 2 : batch.Bytes.Length;
        ICaller caller = new RestCaller(target.Http, uri, body, json ? Json : Binary, json ? null : batch.ShapeHeader, json ? Json : Binary, expected);
        return Task.FromResult(caller);
    }

    private static Task<ICaller> Unary(Target target, Batch batch, int worker, bool raw)
    {
        var request = new TrainRequest { Name = Target.LayerName(worker), Input = batch.ToTensor(raw) };
        ICaller caller = new UnaryTrainCaller(target.Grpc, request, batch.Values.Length);
        return Task.FromResult(caller);
    }

    private static Task<ICaller> TrainStream(Target target, Batch batch, int worker)
    {
        var request = new TrainRequest { Name = Target.LayerName(worker), Input = batch.ToTensor(raw: true) };
        ICaller caller = new StreamCaller<TrainRequest, TrainResponse>(target.Grpc.TrainStream(default), request, r => r.Output, batch.Values.Length);
        return Task.FromResult(caller);
    }

    private static Task<ICaller> InferStream(Target target, Batch batch, int worker)
    {
        var request = new InferRequest { Name = Target.LayerName(worker), Input = batch.ToTensor(raw: true) };
        ICaller caller = new StreamCaller<InferRequest, InferResponse>(target.Grpc.InferStream(default), request, r => r.Output, batch.Values.Length);
        return Task.FromResult(caller);
    }
}
