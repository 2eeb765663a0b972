using System.Numerics;

namespace BnEngine.Kernels;

/// <summary>Which code path a kernel runs: the scalar fallback or <see cref="Vector{T}"/> SIMD.</summary>
internal enum KernelPath
{
    Scalar,
    Vector,
}

/// <summary>
/// How a kernel call runs. Production calls use <see cref="Default"/>; tests pass explicit options so that the
/// scalar and vector paths, and the fan-out over workers, are all checked in one run without a shared switch.
/// </summary>
/// <param name="Path">Scalar or vector code.</param>
/// <param name="ParallelThreshold">Calls on fewer elements than this run on the calling thread only.</param>
/// <param name="Workers">How many parts a large call is split into (one per core by default).</param>
internal readonly record struct KernelOptions(KernelPath Path, long ParallelThreshold, int Workers)
{
    /// <summary>
    /// Below this many elements (4 MiB of float32) a call stays on the calling thread: fanning out costs more than it
    /// saves. A 1 MiB training forward (256 Ki elements, [4096, 64]) took 65 µs on two threads against 86 µs on one
    /// with the other core idle, but 124 µs of CPU against 86. With the other core busy (as on a server under load), the
    /// second part waits for a core: a loop of copy in, train, copy out took 330-410 µs a round on two threads against
    /// 150-160 on one.
    /// </summary>
    public const long DefaultParallelThreshold = 1024 * 1024;

    public static KernelOptions Default { get; } = new(
        Vector.IsHardwareAccelerated ? KernelPath.Vector : KernelPath.Scalar,
        DefaultParallelThreshold,
        Environment.ProcessorCount);

    public bool Vectorized => Path == KernelPath.Vector && Vector.IsHardwareAccelerated;
}
