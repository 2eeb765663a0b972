using BnEngine;
using BnService.Layers;
using Google.Protobuf.WellKnownTypes;
using Proto = Bn.V1;

namespace BnService.Grpc;

/// <summary>
/// <c>bn.v1.LayerConfig</c> to the engine's <see cref="LayerSpec"/> (unset = the convention's default) and
/// a resolved <see cref="LayerConfig"/> back to it (every field set). Validation of values is the engine's;
/// this only reads the wire shapes.
/// </summary>
public static class LayerConfigWire
{
    public static LayerSpec ToSpec(Proto.LayerConfig? config)
    {
        if (config is null)
        {
            throw new ServiceException(ServiceErrorKind.InvalidArgument, "is required", "config");
        }

        return new LayerSpec
        {
            Name = config.Name,
            Channels = config.Channels,
            DataFormat = config.HasDataFormat ? ApiNames.ParseDataFormat(config.DataFormat) : null,
            Convention = config.HasConvention ? ApiNames.ParseConvention(config.Convention) : null,
            Decay = ReadDecay(config.Decay),
            UseNumUpdates = config.HasUseNumUpdates ? config.UseNumUpdates : null,
            Center = config.HasCenter ? config.Center : null,
            Scale = config.HasScale ? config.Scale : null,
            Epsilon = config.HasEpsilon ? config.Epsilon : null,
            Activation = config.HasActivation ? ApiNames.ParseActivation(config.Activation) : null,
            ParamInitializers = ReadInitializers(config.ParamInitializers),
            ParamRegularizers = config.ParamRegularizers is { } r ? new ParamRegularizers(ReadL1L2(r.Beta), ReadL1L2(r.Gamma)) : null,
            Updates = config.HasUpdates ? ApiNames.ParseUpdateMode(config.Updates) : null,
            Trainable = config.HasTrainable ? config.Trainable : null,
            Fused = config.HasFused ? config.Fused : null,
            MovingVarianceCorrection = config.HasMovingVarianceCorrection ? ApiNames.ParseVarianceCorrection(config.MovingVarianceCorrection) : null,
            ZeroDebiasMovingMean = config.HasZeroDebiasMovingMean ? config.ZeroDebiasMovingMean : null,
            Renorm = config.HasRenorm ? config.Renorm : null,
            RenormClipping = config.RenormClipping is { } c
                ? new RenormClipping(c.HasRmax ? c.Rmax : null, c.HasRmin ? c.Rmin : null, c.HasDmax ? c.Dmax : null)
                : null,
            RenormDecay = config.HasRenormDecay ? config.RenormDecay : null,
            Collections = config.Collections.Count > 0 ? config.Collections.ToArray() : null,
        };
    }

    public static Proto.LayerConfig ToProto(LayerConfig config)
    {
        var result = new Proto.LayerConfig
        {
            Name = config.Name,
            Channels = config.Channels,
            DataFormat = ApiNames.Name(config.DataFormat),
            Convention = ApiNames.Name(config.Convention),
            Decay = config.Decay is { } decay ? Value.ForNumber(decay) : Value.ForNull(),
            UseNumUpdates = config.UseNumUpdates,
            Center = config.Center,
            Scale = config.Scale,
            Epsilon = config.Epsilon,
            Activation = ApiNames.Name(config.Activation),
            ParamInitializers = new Proto.ParamInitializers
            {
                Beta = WriteChannelValues(config.ParamInitializers.Beta),
                Gamma = WriteChannelValues(config.ParamInitializers.Gamma),
                MovingMean = WriteChannelValues(config.ParamInitializers.MovingMean),
                MovingVariance = WriteChannelValues(config.ParamInitializers.MovingVariance),
            },
            ParamRegularizers = new Proto.ParamRegularizers
            {
                Beta = WriteL1L2(config.ParamRegularizers.Beta),
                Gamma = WriteL1L2(config.ParamRegularizers.Gamma),
            },
            Updates = ApiNames.Name(config.Updates),
            Trainable = config.Trainable,
            MovingVarianceCorrection = ApiNames.Name(config.MovingVarianceCorrection),
            ZeroDebiasMovingMean = config.ZeroDebiasMovingMean,
            Renorm = config.Renorm,
            RenormDecay = config.RenormDecay,
            Collections = { config.Collections },
        };

        if (config.Fused is { } fused)
        {
            result.Fused = fused;
        }

        if (config.RenormClipping is { } clipping)
        {
            result.RenormClipping = new Proto.RenormClipping();
            if (clipping.RMax is { } rmax)
            {
                result.RenormClipping.Rmax = rmax;
            }

            if (clipping.RMin is { } rmin)
            {
                result.RenormClipping.Rmin = rmin;
            }

            if (clipping.DMax is { } dmax)
            {
                result.RenormClipping.Dmax = dmax;
            }
        }

        return result;
    }

    private static Decay? ReadDecay(Value? decay) => decay?.KindCase switch
    {
        null => null,
        Value.KindOneofCase.NullValue => Decay.Cumulative,
        Value.KindOneofCase.NumberValue => new Decay(decay.NumberValue),
        _ => throw new ServiceException(ServiceErrorKind.InvalidArgument, "must be a number or null", "decay"),
    };

    private static ParamInitializers? ReadInitializers(Proto.ParamInitializers? initializers) => initializers is null
        ? null
        : new ParamInitializers(
            ReadChannelValues(initializers.Beta, "param_initializers.beta"),
            ReadChannelValues(initializers.Gamma, "param_initializers.gamma"),
            ReadChannelValues(initializers.MovingMean, "param_initializers.moving_mean"),
            ReadChannelValues(initializers.MovingVariance, "param_initializers.moving_variance"));

    /// <summary>A number, a list of numbers, or unset/null (the default).</summary>
    private static ChannelValues? ReadChannelValues(Value? value, string field)
    {
        switch (value?.KindCase)
        {
            case null or Value.KindOneofCase.None or Value.KindOneofCase.NullValue:
                return null;
            case Value.KindOneofCase.NumberValue:
                return ChannelValues.Of(value.NumberValue);
            case Value.KindOneofCase.ListValue:
                var values = new double[value.ListValue.Values.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    var element = value.ListValue.Values[i];
                    if (element.KindCase != Value.KindOneofCase.NumberValue)
                    {
                        throw new ServiceException(ServiceErrorKind.InvalidArgument, $"element {i} is not a number", field);
                    }

                    values[i] = element.NumberValue;
                }

                return ChannelValues.Of(values);
            default:
                throw new ServiceException(ServiceErrorKind.InvalidArgument, "must be a number or an array of numbers", field);
        }
    }

    private static Value WriteChannelValues(ChannelValues? values) => values switch
    {
        { PerChannel: { } perChannel } => Value.ForList(Array.ConvertAll(perChannel, Value.ForNumber)),
        { Scalar: { } scalar } => Value.ForNumber(scalar),
        _ => Value.ForNull(),
    };

    private static L1L2? ReadL1L2(Proto.L1L2? regularizer) => regularizer is null ? null : new L1L2(regularizer.L1, regularizer.L2);

    private static Proto.L1L2? WriteL1L2(L1L2? regularizer) => regularizer is null ? null : new Proto.L1L2 { L1 = regularizer.L1, L2 = regularizer.L2 };
}
