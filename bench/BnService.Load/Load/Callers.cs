using System.Net.Http.Headers;
using Bn.V1;
using Grpc.Core;

namespace BnService.Load.Load;

/// <summary>One client's call loop body: sends one batch and waits for (and reads) its whole answer.</summary>
public interface ICaller : IAsyncDisposable
{
    Task CallAsync(CancellationToken cancellationToken);
}

/// <summary>A REST call: POST of a prepared body; the answer is read to its end into a reused buffer.</summary>
public sealed class RestCaller(HttpClient http, Uri uri, byte[] body, string contentType, string? shape, string accept, long expectedLength) : ICaller
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly MediaTypeHeaderValue _contentType = new(contentType);

    public async Task CallAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = _contentType;
        if (shape is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Tensor-Shape", shape);
        }

        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {uri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(_buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        // Binary answers are exactly the batch; JSON ones at least hold it in text.
        if (expectedLength > 0 ? total != expectedLength : total < -expectedLength)
        {
            throw new InvalidOperationException($"POST {uri} answered {total} bytes, expected {Math.Abs(expectedLength)}{(expectedLength < 0 ? " or more" : "")}");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The three gRPC methods the scenarios call, on bn.v1.BatchNorm or on the echo service.</summary>
public sealed record GrpcTarget(
    Func<TrainRequest, CallOptions, AsyncUnaryCall<TrainResponse>> Train,
    Func<CallOptions, AsyncDuplexStreamingCall<TrainRequest, TrainResponse>> TrainStream,
    Func<CallOptions, AsyncDuplexStreamingCall<InferRequest, InferResponse>> InferStream);

/// <summary>Unary Train.</summary>
public sealed class UnaryTrainCaller(GrpcTarget target, TrainRequest request, int expectedValues) : ICaller
{
    public async Task CallAsync(CancellationToken cancellationToken)
    {
        var response = await target.Train(request, new CallOptions(cancellationToken: cancellationToken));
        Check(response.Output, expectedValues);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static void Check(Tensor output, int expectedValues)
    {
        var values = output.RawData.IsEmpty ? output.Data.Count : output.RawData.Length / sizeof(float);
        if (values != expectedValues)
        {
            throw new InvalidOperationException($"the answer holds {values} values, expected {expectedValues}");
        }
    }
}

/// <summary>One request then its response on a stream opened once for the caller's whole run.</summary>
public sealed class StreamCaller<TRequest, TResponse>(AsyncDuplexStreamingCall<TRequest, TResponse> call, TRequest request, Func<TResponse, Tensor> output,
    int expectedValues) : ICaller
{
    public async Task CallAsync(CancellationToken cancellationToken)
    {
        await call.RequestStream.WriteAsync(request, cancellationToken);
        if (!await call.ResponseStream.MoveNext(cancellationToken))
        {
            throw new InvalidOperationException("the stream ended before its answer");
        }

        UnaryTrainCaller.Check(output(call.ResponseStream.Current), expectedValues);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }
        catch (RpcException)
        {
            // A stream stopped mid-call at the end of a run.
        }
        catch (InvalidOperationException)
        {
        }

        call.Dispose();
    }
}
