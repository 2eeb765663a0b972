using System.Text.Json.Nodes;

namespace BnService.Tests.Grpc;

/// <summary>Golden-case assertions against JSON answers and gRPC tensors, on the shared <see cref="Tolerance"/>.</summary>
internal static class GoldenAssertions
{
    public static void AssertClose(this Tolerance tolerance, JsonNode? expected, IReadOnlyList<double> actual, string what)
    {
        var values = expected!.AsArray().Select(v => (double)v!).ToArray();
        tolerance.AssertClose(values, actual.ToArray(), what);
    }

    /// <summary>An expected <c>{shape, data}</c> against a response tensor (either encoding).</summary>
    public static void AssertTensor(this Tolerance tolerance, JsonNode? expected, Bn.V1.Tensor actual, string what)
    {
        Assert.Equal(expected!["shape"]!.AsArray().Select(d => (long)d!).ToArray(), actual.Shape.ToArray());
        tolerance.AssertClose(expected["data"], Tensors.Values(actual).Select(v => (double)v).ToArray(), what);
    }
}
