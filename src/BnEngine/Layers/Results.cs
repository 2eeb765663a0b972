namespace BnEngine;

/// <summary>What a training step returns besides its output.</summary>
/// <param name="BatchMean">The batch mean used to normalize (C values).</param>
/// <param name="BatchVariance">The biased batch variance used to normalize (C values).</param>
/// <param name="Step">The layer's step after this batch.</param>
/// <param name="PendingUpdates">Deferred updates waiting for commit after this batch.</param>
public sealed record TrainResult(double[] BatchMean, double[] BatchVariance, long Step, int PendingUpdates);

/// <summary>What a backward call returns besides grad_input.</summary>
public sealed record BackwardResult(double[] GradGamma, double[] GradBeta, double RegularizationLoss);
