using Microsoft.AspNetCore.Http;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace BnService.Tests.Allocations;

/// <summary>
/// What a handler sees of its call when a test calls it directly, on the test's thread: an HTTP context whose response
/// keeps what is registered to be disposed once it is sent (<see cref="Complete"/> does that), and, for gRPC, a call
/// context that carries it (as the framework's own does, under the key <c>GetHttpContext</c> also reads).
/// </summary>
internal sealed class DirectCall
{
    private readonly CompletedCallbacks _response = new();

    public DirectCall(IServiceProvider services)
    {
        Http = new DefaultHttpContext { RequestServices = services };
        Http.Features.Set<IHttpResponseFeature>(_response);
        Grpc = new CallContext(Http);
    }

    public DefaultHttpContext Http { get; }

    public ServerCallContext Grpc { get; }

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
