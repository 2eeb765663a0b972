using BnEngine.Kernels;

namespace BnEngine;

/// <summary>Validation shared by the stateless ops: one place for the length and finiteness rules.</summary>
internal static class OpInputs
{
    /// <summary>Throws unless <paramref name="tensor"/> holds exactly its shape's element count of finite values.</summary>
    public static ReadOnlySpan<float> FiniteData(Tensor tensor, string field)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(tensor.Shape, field);
        var data = tensor.Data.Span;
        tensor.Shape.EnsureLength(data.Length, field);
        var index = FiniteScan.FirstNonFinite(data);
        if (index >= 0)
        {
            throw new NonFiniteInputException(field, $"{field} holds {data[index]} at index {index}; every value must be finite");
        }

        return data;
    }
}
