using Bn.V1;
using BnService.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests.Grpc;

/// <summary>An in-memory BnService host with a gRPC client on it (TestServer's HTTP/2 handler).</summary>
internal sealed class GrpcHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private HttpClient? _rest;

    private GrpcHost(WebApplicationFactory<Program> factory)
    {
        _factory = factory;
        Channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = factory.Server.CreateHandler(),
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        Invoker = CallDeadline.On(Channel);
        Client = new BatchNorm.BatchNormClient(Invoker);
    }

    public GrpcChannel Channel { get; }

    /// <summary>The channel's calls, each with a deadline (<see cref="CallDeadline"/>): what test clients use.</summary>
    public CallInvoker Invoker { get; }

    public BatchNorm.BatchNormClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>An HTTP client on the same host, for the REST side.</summary>
    public HttpClient Rest => _rest ??= _factory.CreateClient();

    /// <summary>Starts a host; <paramref name="services"/> may replace registrations (e.g. the layer operations).</summary>
    public static GrpcHost Start(Action<IServiceCollection>? services = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        // BnServiceFactory gives each host's Orleans silo its own free ports.
        var factory = new BnServiceFactory(settings).WithWebHostBuilder(builder =>
        {
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });
        return new GrpcHost(factory);
    }

    public async ValueTask DisposeAsync()
    {
        _rest?.Dispose();
        Channel.Dispose();
        await HostStop.WithinLimitAsync(_factory.DisposeAsync(), "the gRPC test host");
    }
}
