using System.Numerics;

namespace BnEngine.Kernels;

/// <summary>
/// Which code path a kernel runs. Production calls use <see cref="KernelPaths.Default"/>; tests pass
/// <see cref="Scalar"/> or <see cref="Vector"/> explicitly so both paths are checked in one run without a
/// shared mutable switch.
/// </summary>
internal enum KernelPath
{
    Scalar,
    Vector,
}

internal static class KernelPaths
{
    /// <summary>The vector path whenever the hardware accelerates <see cref="Vector{T}"/>.</summary>
    public static KernelPath Default { get; } = Vector.IsHardwareAccelerated ? KernelPath.Vector : KernelPath.Scalar;
}
