namespace BnEngine;

/// <summary>Keras' <c>L1L2</c> on gamma and beta (api.md): loss = l1*sum|w| + l2*sum(w^2); gradient l1*sign(w) + 2*l2*w.</summary>
internal static class Regularization
{
    /// <summary>The loss of <paramref name="weights"/>; adds the regularizer's gradient to <paramref name="gradient"/>.</summary>
    public static double AddTo(L1L2? regularizer, ReadOnlySpan<double> weights, Span<double> gradient)
    {
        if (regularizer is null)
        {
            return 0;
        }

        double loss = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var w = weights[i];
            loss += regularizer.L1 * Math.Abs(w) + regularizer.L2 * w * w;
            gradient[i] += regularizer.L1 * Math.Sign(w) + 2 * regularizer.L2 * w;
        }

        return loss;
    }
}
