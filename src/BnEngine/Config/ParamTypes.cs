namespace BnEngine;

/// <summary>An initializer: one number for every channel, or one number per channel.</summary>
public sealed record ChannelValues
{
    private ChannelValues(double? scalar, double[]? perChannel)
    {
        Scalar = scalar;
        PerChannel = perChannel;
    }

    public double? Scalar { get; }
    public double[]? PerChannel { get; }

    public static ChannelValues Of(double scalar) => new(scalar, null);
    public static ChannelValues Of(double[] perChannel) => new(null, (double[])perChannel.Clone());

    /// <summary>The value for every channel, as a new array of <paramref name="channels"/> values.</summary>
    public double[] Expand(int channels)
    {
        if (PerChannel is { } values)
        {
            return (double[])values.Clone();
        }

        var result = new double[channels];
        Array.Fill(result, Scalar!.Value);
        return result;
    }

    public bool Equals(ChannelValues? other) =>
        other is not null && Scalar == other.Scalar &&
        (PerChannel is null ? other.PerChannel is null : other.PerChannel is not null && PerChannel.AsSpan().SequenceEqual(other.PerChannel));

    public override int GetHashCode() => HashCode.Combine(Scalar, PerChannel?.Length);
}

/// <summary><c>param_initializers</c>; a null member means the default (0, 1, 0, 1).</summary>
public sealed record ParamInitializers(ChannelValues? Beta = null, ChannelValues? Gamma = null, ChannelValues? MovingMean = null, ChannelValues? MovingVariance = null);

/// <summary>Keras' <c>L1L2</c>: loss = l1*sum|w| + l2*sum(w^2); gradient adds l1*sign(w) + 2*l2*w.</summary>
public sealed record L1L2(double L1, double L2);

/// <summary><c>param_regularizers</c>; a null member means no regularizer.</summary>
public sealed record ParamRegularizers(L1L2? Beta = null, L1L2? Gamma = null);

/// <summary><c>renorm_clipping</c>; a null member means no clipping on that side.</summary>
public sealed record RenormClipping(double? RMax = null, double? RMin = null, double? DMax = null);

/// <summary>A set <c>decay</c>: a number in [0,1], or <c>null</c> meaning the cumulative average (PyTorch <c>momentum=None</c>).</summary>
public readonly record struct Decay(double? Value)
{
    public static Decay Cumulative => new(null);
    public bool IsCumulative => Value is null;
}
