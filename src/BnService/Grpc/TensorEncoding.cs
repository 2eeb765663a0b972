namespace BnService.Grpc;

/// <summary>How a <c>bn.v1.Tensor</c> carries its values; a response answers in its request's encoding.</summary>
public enum TensorEncoding
{
    /// <summary><c>repeated float data</c>.</summary>
    Data,
    /// <summary><c>bytes raw_data</c>, little-endian float32.</summary>
    RawData,
}
