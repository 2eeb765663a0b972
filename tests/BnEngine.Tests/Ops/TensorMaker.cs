namespace BnEngine.Tests.Ops;

internal static class TensorMaker
{
    public static Tensor T(int[] dims, params float[] data) => new(TensorShape.Create(dims, "test", minRank: 0), data);

    public static Tensor Vector(params float[] data) => T([data.Length], data);

    public static float[] Normal(Random rng, int count, double mean = 0, double std = 1)
    {
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            data[i] = (float)(mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return data;
    }
}
