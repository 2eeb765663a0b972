namespace BnEngine;

/// <summary>A validated row-major tensor shape: rank 1..5, every dimension at least 1, at most int.MaxValue elements.</summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    public const int MaxRank = 5;

    private readonly int[] _dims;

    private TensorShape(int[] dims, int elementCount)
    {
        _dims = dims;
        ElementCount = elementCount;
    }

    public int Rank => _dims.Length;
    public int ElementCount { get; }
    public ReadOnlySpan<int> Dims => _dims;
    public int this[int axis] => _dims[axis];

    /// <summary>Validates <paramref name="dims"/>; <paramref name="field"/> names the shape in errors.</summary>
    public static TensorShape Create(IReadOnlyList<long> dims, string field, int minRank = 1, int maxRank = MaxRank)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Count < minRank || dims.Count > maxRank)
        {
            throw new InvalidShapeException(field,
                minRank == maxRank
                    ? $"expected rank {minRank}, got rank {dims.Count}"
                    : $"expected rank {minRank} to {maxRank}, got rank {dims.Count}");
        }

        var result = new int[dims.Count];
        long count = 1;
        for (var i = 0; i < dims.Count; i++)
        {
            var d = dims[i];
            if (d < 1)
            {
                throw new InvalidShapeException(field, $"dimension {i} is {d}; every dimension must be at least 1");
            }

            if (d > int.MaxValue || count > int.MaxValue / d)
            {
                throw new InvalidShapeException(field, "the shape holds more than 2147483647 elements");
            }

            count *= d;
            result[i] = (int)d;
        }

        return new TensorShape(result, (int)count);
    }

    public static TensorShape Create(IReadOnlyList<int> dims, string field, int minRank = 1, int maxRank = MaxRank)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var longs = new long[dims.Count];
        for (var i = 0; i < longs.Length; i++)
        {
            longs[i] = dims[i];
        }

        return Create(longs, field, minRank, maxRank);
    }

    /// <summary>Throws unless <paramref name="length"/> equals the element count.</summary>
    public void EnsureLength(int length, string field)
    {
        if (length != ElementCount)
        {
            throw new InvalidShapeException(field, $"data has {length} values but the shape {this} needs {ElementCount}");
        }
    }

    public int[] ToArray() => (int[])_dims.Clone();

    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in _dims)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(",", _dims) + "]";
}
