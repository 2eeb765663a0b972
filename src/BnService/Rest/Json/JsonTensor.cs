using BnEngine;
using BnService.Layers;

namespace BnService.Rest.Json;

/// <summary>
/// A tensor as a JSON body carried it (<c>{"shape": [...], "data": [...]}</c>), values already parsed into
/// little-endian float32 bytes but not yet checked; <see cref="ToTensorData"/> checks it under the caller's field name.
/// </summary>
public sealed class JsonTensor(long[] shape, byte[] bytes, int count)
{
    public long[] Shape { get; } = shape;

    /// <summary>The parsed values; only the first <see cref="Count"/> floats are data.</summary>
    public byte[] Bytes { get; } = bytes;

    public int Count { get; } = count;

    /// <summary>The checked tensor: a valid shape of rank <paramref name="minRank"/>..5 with exactly its element count of values.</summary>
    /// <exception cref="ServiceException">Over <paramref name="maxBytes"/> (413).</exception>
    /// <exception cref="BatchNormException">A bad shape or value count (400 on <c>field.shape</c> / <c>field.data</c>).</exception>
    public TensorData ToTensorData(string field, long maxBytes, int minRank = 1)
    {
        var shape = TensorShape.Create(Shape, field + ".shape", minRank);
        if (4L * shape.ElementCount > maxBytes)
        {
            throw new ServiceException(ServiceErrorKind.TooLarge,
                $"{field} holds {4L * shape.ElementCount} bytes of float32, over the limit of {maxBytes}", field);
        }

        shape.EnsureLength(Count, field + ".data");
        var exact = Bytes.Length == 4 * Count ? Bytes : Bytes.AsSpan(0, 4 * Count).ToArray();
        return new TensorData(shape, exact);
    }
}
