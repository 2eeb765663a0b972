using System.Runtime.InteropServices;
using BnEngine;
using BnService.Layers;
using BnService.Security;
using Grpc.Core;
using Proto = Bn.V1;

namespace BnService.Grpc;

/// <summary>
/// <c>bn.v1.BatchNorm</c>: maps messages to <see cref="ILayerOperations"/> (layers) and the engine's stateless
/// operations, and back. Errors are thrown as service/engine exceptions; <see cref="GrpcErrorInterceptor"/>
/// turns them into statuses. Bound through <see cref="BindService"/>, so a request that is no valid message is
/// INVALID_ARGUMENT (<see cref="RequestMarshallers"/>).
/// </summary>
[BindServiceMethod(typeof(BatchNormGrpcService), nameof(BindService))]
public sealed class BatchNormGrpcService(ILayerOperations layers, TensorWire tensors) : Proto.BatchNorm.BatchNormBase
{
    /// <summary>
    /// The generated binding with the service's own marshallers (<see cref="ServiceMarshallersBinder"/>). The second
    /// parameter is the generated base type: the framework looks for the overrides of the methods declared there.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, Proto.BatchNorm.BatchNormBase? service) =>
        Proto.BatchNorm.BindService(new ServiceMarshallersBinder(binder), service);

    [RequireAccess(AccessRole.Write)]
    public override async Task<Proto.CreateLayerResponse> CreateLayer(Proto.CreateLayerRequest request, ServerCallContext context)
    {
        var spec = LayerConfigWire.ToSpec(request.Config);
        var reuse = string.IsNullOrEmpty(request.Reuse) ? ReuseMode.Never : ApiNames.ParseReuseMode(request.Reuse);
        var outcome = await layers.CreateAsync(spec, reuse, context.CancellationToken);
        return new Proto.CreateLayerResponse { Layer = LayerWire.ToProto(outcome.Layer), Created = outcome.Created };
    }

    [RequireAccess(AccessRole.Read)]
    public override async Task<Proto.GetLayerResponse> GetLayer(Proto.GetLayerRequest request, ServerCallContext context)
    {
        var layer = await layers.GetAsync(ValidName(request.Name), context.CancellationToken);
        return new Proto.GetLayerResponse { Layer = LayerWire.ToProto(layer) };
    }

    [RequireAccess(AccessRole.Read)]
    public override async Task<Proto.ListLayersResponse> ListLayers(Proto.ListLayersRequest request, ServerCallContext context)
    {
        var found = await layers.ListAsync(NullIfEmpty(request.Prefix), NullIfEmpty(request.Collection), context.CancellationToken);
        var response = new Proto.ListLayersResponse();
        foreach (var layer in found)
        {
            response.Layers.Add(LayerWire.ToProto(layer));
        }

        return response;
    }

    [RequireAccess(AccessRole.Write)]
    public override async Task<Proto.DeleteLayerResponse> DeleteLayer(Proto.DeleteLayerRequest request, ServerCallContext context)
    {
        await layers.DeleteAsync(ValidName(request.Name), context.CancellationToken);
        return new Proto.DeleteLayerResponse();
    }

    [RequireAccess(AccessRole.Write)]
    public override async Task<Proto.TrainResponse> Train(Proto.TrainRequest request, ServerCallContext context)
    {
        var (response, buffers) = await TrainOne(request, context.CancellationToken);
        buffers.ReturnAfterResponse(context.GetHttpContext());
        return response;
    }

    [RequireAccess(AccessRole.Read)]
    public override async Task<Proto.InferResponse> Infer(Proto.InferRequest request, ServerCallContext context)
    {
        var (response, buffers) = await InferOne(request, context.CancellationToken);
        buffers.ReturnAfterResponse(context.GetHttpContext());
        return response;
    }

    [RequireAccess(AccessRole.Write)]
    public override async Task<Proto.BackwardResponse> Backward(Proto.BackwardRequest request, ServerCallContext context)
    {
        var name = ValidName(request.Name);
        var (input, encoding) = tensors.Read(request.Input, "input");
        var (gradOutput, _) = tensors.Read(request.GradOutput, "grad_output");
        var isTraining = !request.HasIsTraining || request.IsTraining;
        var outcome = await layers.BackwardAsync(name, new BackwardInput(input, gradOutput, isTraining, request.Apply?.LearningRate),
            context.CancellationToken);
        var response = new Proto.BackwardResponse
        {
            // grad_input has the input's shape: answered in the input's tensor message (the request is not read after this).
            GradInput = TensorWire.Answer(request.Input, outcome.GradInput, encoding),
            GradGamma = { outcome.GradGamma },
            GradBeta = { outcome.GradBeta },
            RegularizationLoss = outcome.RegularizationLoss,
        };
        new CallBuffers(input.Bytes, gradOutput.Bytes, outcome.GradInput.Bytes).ReturnAfterResponse(context.GetHttpContext());
        return response;
    }

    [RequireAccess(AccessRole.Write)]
    public override async Task<Proto.CommitResponse> Commit(Proto.CommitRequest request, ServerCallContext context)
    {
        var layer = await layers.CommitAsync(ValidName(request.Name), context.CancellationToken);
        return new Proto.CommitResponse { Layer = LayerWire.ToProto(layer) };
    }

    [RequireAccess(AccessRole.Write)]
    public override async Task<Proto.ResetResponse> Reset(Proto.ResetRequest request, ServerCallContext context)
    {
        var layer = await layers.ResetAsync(ValidName(request.Name), context.CancellationToken);
        return new Proto.ResetResponse { Layer = LayerWire.ToProto(layer) };
    }

    [RequireAccess(AccessRole.Read)]
    public override Task<Proto.MomentsResponse> Moments(Proto.MomentsRequest request, ServerCallContext context)
    {
        var (input, encoding) = tensors.Read(request.Input, "input");
        var weights = tensors.ReadOptional(request.FrequencyWeights, "frequency_weights");
        var result = BnEngine.Moments.Compute(TensorWire.ToEngine(input), request.Axes, request.KeepDims,
            weights is null ? null : TensorWire.ToEngine(weights));
        var response = new Proto.MomentsResponse
        {
            Mean = TensorWire.Write(TensorWire.FromEngine(result.Mean), encoding),
            Variance = TensorWire.Write(TensorWire.FromEngine(result.Variance), encoding),
        };
        // The engine is done with the operands (the results are arrays of their own).
        new CallBuffers(input.Bytes, weights?.Bytes).ReturnAfterResponse(context.GetHttpContext());
        return Task.FromResult(response);
    }

    [RequireAccess(AccessRole.Read)]
    public override Task<Proto.BatchNormalizationResponse> BatchNormalization(Proto.BatchNormalizationRequest request, ServerCallContext context)
    {
        var (x, encoding) = tensors.Read(request.X, "x");
        var mean = tensors.Read(request.Mean, "mean").Tensor;
        var variance = tensors.Read(request.Variance, "variance").Tensor;
        var offset = tensors.ReadOptional(request.Offset, "offset");
        var scale = tensors.ReadOptional(request.Scale, "scale");
        var output = new TensorData(x.Shape, TensorBuffers.Rent(x.Bytes.Length));
        BnEngine.BatchNormalization.Compute(TensorWire.ToEngine(x), TensorWire.ToEngine(mean), TensorWire.ToEngine(variance),
            offset is null ? null : TensorWire.ToEngine(offset), scale is null ? null : TensorWire.ToEngine(scale), request.VarianceEpsilon,
            MemoryMarshal.Cast<byte, float>(output.Bytes.AsSpan()));
        // The output has x's shape: answered in x's tensor message (the request is not read after this).
        var response = new Proto.BatchNormalizationResponse { Output = TensorWire.Answer(request.X, output, encoding) };
        new CallBuffers(x.Bytes, mean.Bytes, variance.Bytes, offset?.Bytes, scale?.Bytes, output.Bytes).ReturnAfterResponse(context.GetHttpContext());
        return Task.FromResult(response);
    }

    /// <summary>One response per request, in order; the next request is read only once the previous answer is written.</summary>
    [RequireAccess(AccessRole.Write)]
    public override async Task TrainStream(IAsyncStreamReader<Proto.TrainRequest> requestStream,
        IServerStreamWriter<Proto.TrainResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var (response, buffers) = await TrainOne(request, context.CancellationToken);
            await responseStream.WriteAsync(response, context.CancellationToken);
            // Written (serialized into the response pipe): the arrays serve the next message.
            buffers.ReturnNow();
        }
    }

    /// <summary>As <see cref="TrainStream"/>, for inference.</summary>
    [RequireAccess(AccessRole.Read)]
    public override async Task InferStream(IAsyncStreamReader<Proto.InferRequest> requestStream,
        IServerStreamWriter<Proto.InferResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var (response, buffers) = await InferOne(request, context.CancellationToken);
            await responseStream.WriteAsync(response, context.CancellationToken);
            buffers.ReturnNow();
        }
    }

    /// <summary>
    /// The answer, and the arrays free once it is written: the batch (the request message is not used after this:
    /// its tensor carries the answer, and its raw_data array then serves as a later output) and the output, unless a
    /// request_id's replay holds it.
    /// </summary>
    private async Task<(Proto.TrainResponse Response, CallBuffers Buffers)> TrainOne(Proto.TrainRequest request, CancellationToken cancellationToken)
    {
        var name = ValidName(request.Name);
        var (input, encoding) = tensors.Read(request.Input, "input");
        var weights = request.BatchWeights.Count > 0 ? request.BatchWeights.ToArray() : null;
        var requestId = NullIfEmpty(request.RequestId);
        var outcome = await layers.TrainAsync(name, new TrainInput(input, weights, requestId), cancellationToken);
        var response = new Proto.TrainResponse
        {
            Output = TensorWire.Answer(request.Input, outcome.Output, encoding),
            BatchMean = { outcome.BatchMean },
            BatchVariance = { outcome.BatchVariance },
            Step = outcome.Step,
            PendingUpdates = outcome.PendingUpdates,
        };
        return (response, new CallBuffers(input.Bytes, requestId is null ? outcome.Output.Bytes : null));
    }

    private async Task<(Proto.InferResponse Response, CallBuffers Buffers)> InferOne(Proto.InferRequest request, CancellationToken cancellationToken)
    {
        var name = ValidName(request.Name);
        var (input, encoding) = tensors.Read(request.Input, "input");
        var output = await layers.InferAsync(name, input, cancellationToken);
        return (new Proto.InferResponse { Output = TensorWire.Answer(request.Input, output, encoding) }, new CallBuffers(input.Bytes, output.Bytes));
    }

    /// <summary>api.md "Names" (the engine's rule), checked before a layer is looked up.</summary>
    private static string ValidName(string name)
    {
        LayerName.Validate(name);
        return name;
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
