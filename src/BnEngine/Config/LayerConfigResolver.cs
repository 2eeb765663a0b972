namespace BnEngine;

/// <summary>
/// Turns a <see cref="LayerSpec"/> into a <see cref="LayerConfig"/>: checks every field (errors name the api.md
/// field) and fills each unset one from the convention's defaults.
/// </summary>
internal static class LayerConfigResolver
{
    public static LayerConfig Resolve(LayerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        LayerName.Validate(spec.Name);
        if (spec.Channels is < 1 or > ConventionDefaults.MaxChannels)
        {
            throw new InvalidOptionException("channels", $"channels must be between 1 and {ConventionDefaults.MaxChannels}, got {spec.Channels}");
        }

        var channels = spec.Channels;
        var convention = Defined(spec.Convention ?? Convention.TensorFlow, "convention");
        var defaults = ConventionDefaults.For(convention);

        double? decay = spec.Decay is { } set ? set.Value : defaults.Decay;
        if (decay is { } d)
        {
            UnitInterval(d, "decay");
        }

        var useNumUpdates = spec.UseNumUpdates ?? false;
        if (useNumUpdates && decay is null)
        {
            throw new InvalidOptionException("use_num_updates", "use_num_updates needs a numeric decay; decay null means the cumulative average");
        }

        var zeroDebias = spec.ZeroDebiasMovingMean ?? false;
        if (zeroDebias && decay == 1.0 && !useNumUpdates)
        {
            throw new InvalidOptionException("zero_debias_moving_mean", "zero_debias_moving_mean divides by 1 - decay^t, which is 0 for decay 1");
        }

        var epsilon = spec.Epsilon ?? defaults.Epsilon;
        if (!(epsilon is >= Float32Range.MinEpsilon and <= Float32Range.MaxMagnitude))
        {
            throw new InvalidOptionException("epsilon",
                $"epsilon must be a number from {Float32Range.MinEpsilon:R} (float32's smallest normal value) to {Float32Range.MaxMagnitude:R}, got {epsilon}");
        }

        var renormDecay = spec.RenormDecay ?? ConventionDefaults.RenormDecay;
        UnitInterval(renormDecay, "renorm_decay");

        return new LayerConfig
        {
            Name = spec.Name,
            Channels = channels,
            DataFormat = Defined(spec.DataFormat ?? DataFormat.Nhwc, "data_format"),
            Convention = convention,
            Decay = decay,
            UseNumUpdates = useNumUpdates,
            Center = spec.Center ?? defaults.Center,
            Scale = spec.Scale ?? defaults.Scale,
            Epsilon = epsilon,
            Activation = Defined(spec.Activation ?? Activation.None, "activation"),
            ParamInitializers = Initializers(spec.ParamInitializers, channels),
            ParamRegularizers = Regularizers(spec.ParamRegularizers),
            Updates = Defined(spec.Updates ?? UpdateMode.InPlace, "updates"),
            Trainable = spec.Trainable ?? true,
            Fused = spec.Fused,
            MovingVarianceCorrection = Defined(spec.MovingVarianceCorrection ?? VarianceCorrection.Auto, "moving_variance_correction"),
            ZeroDebiasMovingMean = zeroDebias,
            Renorm = spec.Renorm ?? false,
            RenormClipping = Clipping(spec.RenormClipping),
            RenormDecay = renormDecay,
            Collections = Collections(spec.Collections),
        };
    }

    private static T Defined<T>(T value, string field) where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new InvalidOptionException(field, $"{value} is not a valid {field}");

    private static void UnitInterval(double value, string field)
    {
        if (!(value is >= 0 and <= 1))
        {
            throw new InvalidOptionException(field, $"{field} must be a number in [0, 1], got {value}");
        }
    }

    private static ParamInitializers Initializers(ParamInitializers? spec, int channels) => new(
        Beta: Initializer(spec?.Beta, 0, channels, "param_initializers.beta", nonNegative: false),
        Gamma: Initializer(spec?.Gamma, 1, channels, "param_initializers.gamma", nonNegative: false),
        MovingMean: Initializer(spec?.MovingMean, 0, channels, "param_initializers.moving_mean", nonNegative: false),
        MovingVariance: Initializer(spec?.MovingVariance, 1, channels, "param_initializers.moving_variance", nonNegative: true));

    private static ChannelValues Initializer(ChannelValues? value, double fallback, int channels, string field, bool nonNegative)
    {
        if (value is null)
        {
            return ChannelValues.Of(fallback);
        }

        if (value.PerChannel is { } values)
        {
            if (values.Length != channels)
            {
                throw new InvalidOptionException(field, $"{field} must be one number or an array of {channels} numbers (one per channel), got {values.Length}");
            }

            foreach (var v in values)
            {
                CheckInitialValue(v, field, nonNegative);
            }
        }
        else
        {
            CheckInitialValue(value.Scalar!.Value, field, nonNegative);
        }

        return value;
    }

    private static void CheckInitialValue(double v, string field, bool nonNegative)
    {
        if (!Float32Range.Contains(v))
        {
            throw new InvalidOptionException(field, $"{field} must hold finite numbers within float32's range (magnitude at most {Float32Range.MaxMagnitude:R}), got {v}");
        }

        if (nonNegative && v < 0)
        {
            throw new InvalidOptionException(field, $"{field} is a variance and must not be negative, got {v}");
        }
    }

    private static ParamRegularizers Regularizers(ParamRegularizers? spec)
    {
        if (spec is null)
        {
            return new ParamRegularizers();
        }

        CheckRegularizer(spec.Beta, "param_regularizers.beta");
        CheckRegularizer(spec.Gamma, "param_regularizers.gamma");
        return spec;
    }

    private static void CheckRegularizer(L1L2? regularizer, string field)
    {
        if (regularizer is null)
        {
            return;
        }

        NonNegative(regularizer.L1, field + ".l1");
        NonNegative(regularizer.L2, field + ".l2");
    }

    private static RenormClipping? Clipping(RenormClipping? clipping)
    {
        if (clipping is null)
        {
            return null;
        }

        if (clipping.RMax is { } rmax)
        {
            NonNegative(rmax, "renorm_clipping.rmax");
        }

        if (clipping.RMin is { } rmin)
        {
            NonNegative(rmin, "renorm_clipping.rmin");
        }

        if (clipping.DMax is { } dmax)
        {
            NonNegative(dmax, "renorm_clipping.dmax");
        }

        if (clipping is { RMax: { } max, RMin: { } min } && max < min)
        {
            throw new InvalidOptionException("renorm_clipping.rmax", $"renorm_clipping.rmax ({max}) must not be less than rmin ({min})");
        }

        return clipping;
    }

    /// <summary>Regularizer coefficients and clipping bounds: 0 up to float32's largest value.</summary>
    private static void NonNegative(double value, string field)
    {
        if (!(value is >= 0 and <= Float32Range.MaxMagnitude))
        {
            throw new InvalidOptionException(field, $"{field} must be a number from 0 to {Float32Range.MaxMagnitude:R}, got {value}");
        }
    }

    private static IReadOnlyList<string> Collections(IReadOnlyList<string>? collections)
    {
        if (collections is null)
        {
            return [];
        }

        var copy = new string[collections.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            if (string.IsNullOrEmpty(collections[i]))
            {
                throw new InvalidOptionException("collections", $"collections[{i}] must be a non-empty string");
            }

            copy[i] = collections[i];
        }

        return Array.AsReadOnly(copy);
    }
}
