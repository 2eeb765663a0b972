namespace BnEngine.Activations;

/// <summary>
/// TF <c>activation_fn</c> applied after the affine step, with TF's definitions (api.md): <c>leaky_relu</c> slope 0.2,
/// <c>selu</c> with TF's constants, <c>elu</c> with alpha 1, <c>softplus</c> = log(1 + exp(z)).
/// The derivatives follow TF's gradient kernels (ReluGrad, Relu6Grad, EluGrad, SeluGrad, LeakyReluGrad, ...).
/// </summary>
internal static class ActivationFunctions
{
    public const double LeakyReluSlope = 0.2;
    public const double SeluScale = 1.0507009873554804934193349852946;
    public const double SeluAlpha = 1.6732632423543772848170429916717;

    /// <summary>values[i] = f(values[i]), in place; nothing to do for <see cref="Activation.None"/>.</summary>
    public static void Apply(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.None:
                return;
            case Activation.Relu:
                foreach (ref var v in values)
                {
                    v = v > 0 ? v : 0;
                }

                return;
            case Activation.Relu6:
                foreach (ref var v in values)
                {
                    v = Math.Clamp(v, 0, 6);
                }

                return;
            default:
                foreach (ref var v in values)
                {
                    v = (float)Value(activation, v);
                }

                return;
        }
    }

    /// <summary>
    /// The gradient of the pre-activation, gradY[i] * f'(z[i]), as a float pair hi + lo: <paramref name="zThenHigh"/>
    /// holds z on entry and hi on return, <paramref name="low"/> receives lo. Rounding it to one float would lose
    /// the digits that the batch-mean subtraction of the backward pass brings back (grad_output with a large offset).
    /// </summary>
    public static void ChainGradient(Activation activation, Span<float> zThenHigh, ReadOnlySpan<float> gradY, Span<float> low)
    {
        for (var i = 0; i < zThenHigh.Length; i++)
        {
            var g = gradY[i] * Derivative(activation, zThenHigh[i]);
            var hi = (float)g;
            zThenHigh[i] = hi;
            low[i] = (float)(g - hi);
        }
    }

    public static double Value(Activation activation, double z) => activation switch
    {
        Activation.None => z,
        Activation.Relu => z > 0 ? z : 0,
        Activation.Relu6 => Math.Min(Math.Max(z, 0), 6),
        Activation.Elu => z > 0 ? z : Math.Exp(z) - 1,
        Activation.Selu => z > 0 ? SeluScale * z : SeluScale * SeluAlpha * (Math.Exp(z) - 1),
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Math.Tanh(z),
        Activation.Softplus => Softplus(z),
        Activation.LeakyRelu => z > 0 ? z : LeakyReluSlope * z,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    public static double Derivative(Activation activation, double z) => activation switch
    {
        Activation.None => 1,
        Activation.Relu => z > 0 ? 1 : 0,
        Activation.Relu6 => z is > 0 and < 6 ? 1 : 0,
        Activation.Elu => z > 0 ? 1 : Math.Exp(z),
        Activation.Selu => z > 0 ? SeluScale : SeluScale * SeluAlpha * Math.Exp(z),
        Activation.Sigmoid => SigmoidDerivative(z),
        Activation.Tanh => 1 - Math.Tanh(z) * Math.Tanh(z),
        Activation.Softplus => Sigmoid(z),
        Activation.LeakyRelu => z > 0 ? 1 : LeakyReluSlope,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    private static double SigmoidDerivative(double z)
    {
        var s = Sigmoid(z);
        return s * (1 - s);
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    // log(1 + exp(z)) without overflow for large z and without losing small values for very negative z.
    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
}
