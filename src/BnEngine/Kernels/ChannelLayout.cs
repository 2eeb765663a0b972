namespace BnEngine.Kernels;

/// <summary>
/// A tensor viewed as [Outer, Channels, Inner]: NHWC is [prod(all but last), C, 1], NCHW is [N, C, prod(spatial)].
/// Every per-channel kernel works on this view.
/// </summary>
internal readonly record struct ChannelLayout(int Outer, int Channels, int Inner)
{
    /// <summary>Elements reduced per channel.</summary>
    public long PerChannel => (long)Outer * Inner;

    public static ChannelLayout Of(TensorShape shape, DataFormat format)
    {
        var dims = shape.Dims;
        if (format == DataFormat.Nhwc)
        {
            var outer = 1;
            for (var i = 0; i < dims.Length - 1; i++)
            {
                outer *= dims[i];
            }

            return new ChannelLayout(outer, dims[^1], 1);
        }

        var inner = 1;
        for (var i = 2; i < dims.Length; i++)
        {
            inner *= dims[i];
        }

        return new ChannelLayout(dims[0], dims.Length > 1 ? dims[1] : 1, inner);
    }
}
