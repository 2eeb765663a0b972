namespace BnEngine;

/// <summary>A float32 tensor: a validated shape and row-major data of exactly that many values.</summary>
public sealed record Tensor(TensorShape Shape, ReadOnlyMemory<float> Data);
