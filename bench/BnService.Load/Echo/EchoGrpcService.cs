using Bn.V1;
using Grpc.Core;

namespace BnService.Load.Echo;

/// <summary>Answers Train, TrainStream and InferStream with the request's tensor as the output (and, for train, zero per-channel statistics).</summary>
public sealed class EchoGrpcService : Proto.Echo.EchoBase
{
    public override Task<TrainResponse> Train(TrainRequest request, ServerCallContext context) => Task.FromResult(Answer(request));

    public override async Task TrainStream(IAsyncStreamReader<TrainRequest> requestStream, IServerStreamWriter<TrainResponse> responseStream,
        ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(Answer(request), context.CancellationToken);
        }
    }

    public override async Task InferStream(IAsyncStreamReader<InferRequest> requestStream, IServerStreamWriter<InferResponse> responseStream,
        ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new InferResponse { Output = request.Input }, context.CancellationToken);
        }
    }

    private static TrainResponse Answer(TrainRequest request)
    {
        var channels = request.Input.Shape.Count > 0 ? (int)request.Input.Shape[^1] : 0;
        var response = new TrainResponse { Output = request.Input, Step = 1 };
        var zeros = new double[channels];
        response.BatchMean.AddRange(zeros);
        response.BatchVariance.AddRange(zeros);
        return response;
    }
}
