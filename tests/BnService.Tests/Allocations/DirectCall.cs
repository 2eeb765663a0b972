using System.Buffers;
using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BnService.Tests.Allocations;

/// <summary>
/// What a handler sees of its call when a test calls it directly, on the test's thread: an HTTP context whose response
/// body is kept in one reused buffer (as the server's pipe keeps it in pooled blocks), whose response keeps what is
/// registered to be disposed once it is sent (<see cref="CompleteAsync"/> does that), and, for gRPC, a call context
/// that carries it (as the framework's own does, under the key <c>GetHttpContext</c> also reads).
/// </summary>
internal sealed class DirectCall
{
    private readonly CompletedCallbacks _response = new();
    private readonly CollectedBody _body = new();

    public DirectCall(IServiceProvider services)
    {
        Http = new DefaultHttpContext { RequestServices = services };
        Http.Features.Set<IHttpResponseFeature>(_response);
        Http.Features.Set<IHttpResponseBodyFeature>(_body);
        Grpc = new CallContext(Http);
    }

    public DefaultHttpContext Http { get; }

    public ServerCallContext Grpc { get; }

    /// <summary>The response body written since the last <see cref="Post"/>.</summary>
    public ReadOnlySpan<byte> ResponseBody => _body.Written.WrittenSpan;

    /// <summary>Sets up a POST of <paramref name="body"/> (<paramref name="contentType"/>), with an empty response.</summary>
    public void Post(byte[] body, string contentType)
    {
        Http.Request.Method = "POST";
        Http.Request.ContentType = contentType;
        Http.Request.ContentLength = body.Length;
        Http.Request.Body = new MemoryStream(body, writable: false);
        Http.Response.StatusCode = 200;
        _body.Written.ResetWrittenCount();
    }

    /// <summary>The response has been sent: runs what it registered (the call's arrays go back to their pool).</summary>
    public async Task CompleteAsync() => await _response.CompleteAsync();

    private sealed class CompletedCallbacks : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in _completed)
            {
                await callback(state);
            }

            _completed.Clear();
        }
    }

    /// <summary>A response body that collects what is written in one buffer, grown once and then reused.</summary>
    private sealed class CollectedBody : PipeWriter, IHttpResponseBodyFeature
    {
        private Stream? _stream;
        private long _unflushed;

        public ArrayBufferWriter<byte> Written { get; } = new(64 * 1024);

        public Stream Stream => _stream ??= AsStream(leaveOpen: true);

        public PipeWriter Writer => this;

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task CompleteAsync() => Task.CompletedTask;

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _unflushed;

        public override void Advance(int bytes)
        {
            Written.Advance(bytes);
            _unflushed += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Written.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Written.GetSpan(sizeHint);

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _unflushed = 0;
            return new(new FlushResult(false, false));
        }
    }

    private sealed class CallContext(HttpContext http) : ServerCallContext
    {
        private readonly Dictionary<object, object> _state = new() { ["__HttpContext"] = http };

        protected override string MethodCore => "direct";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "direct";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore { get; } = new(null, []);
        protected override IDictionary<object, object> UserStateCore => _state;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
