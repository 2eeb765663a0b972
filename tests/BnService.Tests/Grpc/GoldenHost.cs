namespace BnService.Tests.Grpc;

/// <summary>The service as it runs (Orleans layer grains), one host per test class, for the golden replays.</summary>
public sealed class GoldenHost : GrpcHostFixture;
