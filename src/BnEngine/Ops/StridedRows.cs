namespace BnEngine;

/// <summary>
/// Walks a row-major tensor one innermost row at a time and keeps, for each operand, the element offset of the
/// row's first element under that operand's strides (0 along broadcast or reduced axes). Used by the general
/// (non per-channel) paths of the stateless ops; each row is then a contiguous run of the last axis.
/// </summary>
internal sealed class StridedRows
{
    private readonly int[] _dims;
    private readonly int[][] _strides;
    private readonly int[] _index;

    public StridedRows(ReadOnlySpan<int> dims, params int[][] strides)
    {
        _dims = dims.ToArray();
        _strides = strides;
        _index = new int[_dims.Length];
        Offsets = new int[strides.Length];
        RowLength = _dims.Length == 0 ? 1 : _dims[^1];
        var rows = 1;
        for (var i = 0; i < _dims.Length - 1; i++)
        {
            rows *= _dims[i];
        }

        RowCount = rows;
    }

    public int RowLength { get; }
    public int RowCount { get; }

    /// <summary>Offset of the current row's first element for each operand, in constructor order.</summary>
    public int[] Offsets { get; }

    /// <summary>Stride along the last axis of operand <paramref name="operand"/>.</summary>
    public int LastStride(int operand) => _dims.Length == 0 ? 0 : _strides[operand][^1];

    /// <summary>Back to the first row.</summary>
    public void Reset()
    {
        Array.Clear(_index);
        Array.Clear(Offsets);
    }

    /// <summary>Advances to the next row (odometer over every axis but the last).</summary>
    public void Advance()
    {
        for (var axis = _dims.Length - 2; axis >= 0; axis--)
        {
            if (++_index[axis] < _dims[axis])
            {
                for (var k = 0; k < _strides.Length; k++)
                {
                    Offsets[k] += _strides[k][axis];
                }

                return;
            }

            _index[axis] = 0;
            for (var k = 0; k < _strides.Length; k++)
            {
                Offsets[k] -= _strides[k][axis] * (_dims[axis] - 1);
            }
        }
    }
}
