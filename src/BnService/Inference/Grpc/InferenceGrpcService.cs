using System.Runtime.InteropServices;
using BnService.Grpc;
using BnService.Hosting;
using BnService.Layers;
using BnService.Security;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Proto = global::Inference;

namespace BnService.Inference.Grpc;

/// <summary>
/// <c>inference.GRPCInferenceService</c> of the Open Inference Protocol, each layer a model. Inputs come as
/// <c>raw_input_contents</c> or <c>contents.fp32_contents</c>; the output always goes back as
/// <c>raw_output_contents</c>, as Triton answers. Errors are thrown as service exceptions and become statuses in
/// <see cref="GrpcErrorInterceptor"/>, as for <c>bn.v1</c>. Liveness and readiness are health (open); the rest needs read,
/// and a training call write. Bound through <see cref="BindService"/>, so a request that is no valid message is
/// INVALID_ARGUMENT (<see cref="RequestMarshallers"/>).
/// </summary>
[RequireAccess(AccessRole.Read)]
[BindServiceMethod(typeof(InferenceGrpcService), nameof(BindService))]
public sealed class InferenceGrpcService(LayerModels models, IOptions<LimitOptions> limits)
    : Proto.GRPCInferenceService.GRPCInferenceServiceBase
{
    /// <summary>The generated binding with the service's own marshallers (<see cref="ServiceMarshallersBinder"/>; the second parameter is the generated base type).</summary>
    public static void BindService(ServiceBinderBase binder, Proto.GRPCInferenceService.GRPCInferenceServiceBase? service) =>
        Proto.GRPCInferenceService.BindService(new ServiceMarshallersBinder(binder), service);

    [OpenAccess]
    public override Task<Proto.ServerLiveResponse> ServerLive(Proto.ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new Proto.ServerLiveResponse { Live = true });

    [OpenAccess]
    public override Task<Proto.ServerReadyResponse> ServerReady(Proto.ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new Proto.ServerReadyResponse { Ready = models.ServerReady });

    public override async Task<Proto.ModelReadyResponse> ModelReady(Proto.ModelReadyRequest request, ServerCallContext context) =>
        new() { Ready = await models.ReadyAsync(request.Name, request.Version, context.CancellationToken) };

    public override Task<Proto.ServerMetadataResponse> ServerMetadata(Proto.ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new Proto.ServerMetadataResponse
        {
            Name = InferenceProtocol.ServerName,
            Version = InferenceProtocol.ServerVersion,
            Extensions = { InferenceProtocol.Extensions },
        });

    public override async Task<Proto.ModelMetadataResponse> ModelMetadata(Proto.ModelMetadataRequest request, ServerCallContext context)
    {
        var model = await models.MetadataAsync(request.Name, request.Version, context.CancellationToken);
        return new Proto.ModelMetadataResponse
        {
            Name = model.Name,
            Versions = { model.Versions },
            Platform = model.Platform,
            Inputs = { Metadata(model.Input) },
            Outputs = { Metadata(model.Output) },
        };
    }

    public override async Task<Proto.ModelInferResponse> ModelInfer(Proto.ModelInferRequest request, ServerCallContext context)
    {
        if (request.ModelName.Length > 0 && RequestLine.Of(context) is { } line)
        {
            line.Layer = request.ModelName;
        }

        var input = ReadInput(request);
        var parameters = Parameters(request.Parameters, "parameters");
        var (training, requestId) = LayerModels.ReadMode(parameters);
        parameters.RefuseOthers(InferenceProtocol.Training, InferenceProtocol.RequestId);
        CheckOutputs(request.Outputs);
        if (training)
        {
            AccessControl.Require(context, AccessRole.Write);
        }

        var answer = await models.RunAsync(new InferenceCall(request.ModelName, request.ModelVersion, input, training, requestId),
            context.CancellationToken);
        var response = new Proto.ModelInferResponse
        {
            ModelName = request.ModelName,
            ModelVersion = InferenceProtocol.ModelVersion,
            Id = request.Id,
        };
        if (answer.Step is { } step)
        {
            response.Parameters[InferenceProtocol.Step] = new Proto.InferParameter { Int64Param = step };
            response.Parameters[InferenceProtocol.PendingUpdates] = new Proto.InferParameter { Int64Param = answer.PendingUpdates ?? 0 };
        }

        var output = new Proto.ModelInferResponse.Types.InferOutputTensor { Name = InferenceProtocol.OutputName, Datatype = InferenceProtocol.Fp32 };
        foreach (var dim in answer.Output.Shape.Dims)
        {
            output.Shape.Add(dim);
        }

        response.Outputs.Add(output);
        response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(answer.Output.Bytes));
        // The request message is not used after this: its batch array, and the output unless a request_id's replay holds
        // it, serve later calls once the response is sent.
        new CallBuffers(input.Bytes, requestId is null ? answer.Output.Bytes : null).ReturnAfterResponse(context.GetHttpContext());
        return response;
    }

    /// <summary>The one input, checked against the layer's signature, from raw_input_contents or contents.fp32_contents.</summary>
    private TensorData ReadInput(Proto.ModelInferRequest request)
    {
        LayerSignature.CheckInputCount(request.Inputs.Count);
        const string field = "inputs[0]";
        var input = request.Inputs[0];
        LayerSignature.CheckInput(input.Name, input.Datatype, field);
        var shape = LayerSignature.Shape(input.Shape, field, limits.Value.MaxBatchBytes);
        Parameters(input.Parameters, field + ".parameters").RefuseOthers();

        var typed = input.Contents;
        if (request.RawInputContents.Count > 0)
        {
            if (request.RawInputContents.Count != request.Inputs.Count)
            {
                throw new ServiceException(ServiceErrorKind.InvalidArgument,
                    $"has {request.RawInputContents.Count} entries; it needs one per input", "raw_input_contents");
            }

            if (typed is not null && CountValues(typed) > 0)
            {
                throw new ServiceException(ServiceErrorKind.InvalidArgument,
                    "an input has its values in contents or in raw_input_contents, not both", field + ".contents");
            }

            var raw = request.RawInputContents[0];
            LayerSignature.CheckByteCount(raw.Length, shape, "raw_input_contents[0]");
            return new TensorData(shape, OwnedArray(raw));
        }

        if (typed is null || typed.Fp32Contents.Count == 0)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument,
                "is required: the values in contents.fp32_contents or raw_input_contents", field + ".contents.fp32_contents");
        }

        if (CountValues(typed) != typed.Fp32Contents.Count)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, "FP32 values go in fp32_contents only", field + ".contents");
        }

        shape.EnsureLength(typed.Fp32Contents.Count, field + ".contents.fp32_contents");
        var values = new float[typed.Fp32Contents.Count];
        typed.Fp32Contents.CopyTo(values, 0);
        return TensorData.FromFloats(shape, values);
    }

    private static void CheckOutputs(RepeatedField<Proto.ModelInferRequest.Types.InferRequestedOutputTensor> outputs)
    {
        for (var i = 0; i < outputs.Count; i++)
        {
            var field = $"outputs[{i}]";
            LayerSignature.CheckOutput(outputs[i].Name, field);
            if (i > 0)
            {
                throw new ServiceException(ServiceErrorKind.InvalidArgument, $"'{outputs[i].Name}' is requested twice", field);
            }

            Parameters(outputs[i].Parameters, field + ".parameters").RefuseOthers();
        }
    }

    private static InferenceParameters Parameters(MapField<string, Proto.InferParameter> map, string field)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, parameter) in map)
        {
            values[name] = parameter.ParameterChoiceCase switch
            {
                Proto.InferParameter.ParameterChoiceOneofCase.BoolParam => parameter.BoolParam,
                Proto.InferParameter.ParameterChoiceOneofCase.Int64Param => parameter.Int64Param,
                Proto.InferParameter.ParameterChoiceOneofCase.StringParam => parameter.StringParam,
                _ => throw new ServiceException(ServiceErrorKind.InvalidArgument, "has no value", $"{field}.{name}"),
            };
        }

        return new InferenceParameters(values, field);
    }

    private static Proto.ModelMetadataResponse.Types.TensorMetadata Metadata(TensorMetadata tensor) =>
        new() { Name = tensor.Name, Datatype = tensor.Datatype, Shape = { tensor.Shape } };

    private static long CountValues(Proto.InferTensorContents contents) =>
        (long)contents.BoolContents.Count + contents.IntContents.Count + contents.Int64Contents.Count + contents.UintContents.Count +
        contents.Uint64Contents.Count + contents.Fp32Contents.Count + contents.Fp64Contents.Count + contents.BytesContents.Count;

    /// <summary>A parsed bytes field owns an exact array of its own: take it as is rather than copying.</summary>
    private static byte[] OwnedArray(ByteString raw) =>
        MemoryMarshal.TryGetArray(raw.Memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : raw.ToByteArray();
}
