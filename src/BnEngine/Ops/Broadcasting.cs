namespace BnEngine;

/// <summary>
/// NumPy/TF broadcasting of an operand onto a fixed target shape: dimensions are aligned from the right, the
/// operand may have fewer axes, and each aligned dimension is 1 or equal to the target's. The target never grows:
/// an operand that would enlarge the result is rejected.
/// </summary>
internal static class Broadcasting
{
    /// <summary>
    /// Element strides of <paramref name="operand"/> seen with the target's rank: 0 along broadcast axes.
    /// Throws <see cref="InvalidShapeException"/> naming <paramref name="field"/> when the operand does not broadcast.
    /// </summary>
    public static int[] Strides(TensorShape operand, TensorShape target, string field, string targetField)
    {
        var rank = target.Rank;
        var offset = rank - operand.Rank;
        if (offset < 0)
        {
            throw new InvalidShapeException(field,
                $"{field} has shape {operand} of rank {operand.Rank}, more than the rank {rank} of {targetField} {target}");
        }

        var strides = new int[rank];
        var stride = 1;
        for (var axis = rank - 1; axis >= 0; axis--)
        {
            var d = axis >= offset ? operand[axis - offset] : 1;
            if (d != 1 && d != target[axis])
            {
                throw new InvalidShapeException(field,
                    $"{field} has shape {operand}, which does not broadcast to {targetField} {target} (axis {axis - offset}: {d} vs {target[axis]})");
            }

            strides[axis] = d == 1 ? 0 : stride;
            stride *= d;
        }

        return strides;
    }
}
