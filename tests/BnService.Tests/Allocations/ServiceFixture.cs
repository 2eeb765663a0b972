using BnService.Tests.Grpc;

namespace BnService.Tests.Allocations;

/// <summary>The in-memory service with its real layers, one for the tests of a class.</summary>
public sealed class ServiceFixture : GrpcHostFixture;
