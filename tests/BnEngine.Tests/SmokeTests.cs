namespace BnEngine.Tests;

public class TensorShapeTests
{
    [Fact]
    public void RejectsOverflowingShape()
    {
        var ex = Assert.Throws<InvalidShapeException>(() => TensorShape.Create(new long[] { 1 << 20, 1 << 20, 4 }, "input.shape"));
        Assert.Equal("input.shape", ex.Field);
    }
}
