using System.Numerics;
using System.Runtime.InteropServices;

namespace BnEngine.Kernels;

/// <summary>Finds NaN and infinities: a float is non-finite exactly when all its exponent bits are set.</summary>
internal static class FiniteScan
{
    private const int ExponentMask = 0x7F800000;

    /// <summary>Index of the first NaN or infinity in <paramref name="data"/>, or -1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> data) => FirstNonFinite(data, KernelOptions.Default.Path);

    public static int FirstNonFinite(ReadOnlySpan<float> data, KernelPath path)
    {
        var bits = MemoryMarshal.Cast<float, int>(data);
        var i = 0;
        if (path == KernelPath.Vector && Vector.IsHardwareAccelerated)
        {
            var mask = new Vector<int>(ExponentMask);
            for (; i <= bits.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                if (Vector.EqualsAny(new Vector<int>(bits[i..]) & mask, mask))
                {
                    break;
                }
            }
        }

        for (; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentMask) == ExponentMask)
            {
                return i;
            }
        }

        return -1;
    }
}
