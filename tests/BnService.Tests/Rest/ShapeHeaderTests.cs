using BnService.Layers;
using BnService.Rest;
using Microsoft.AspNetCore.Http;

namespace BnService.Tests.Rest;

/// <summary>X-Tensor-Shape read (comma-separated sizes, spaces around them allowed) and written (no spaces).</summary>
public class ShapeHeaderTests
{
    [Theory]
    [InlineData("32,8,8,64", new long[] { 32, 8, 8, 64 })]
    [InlineData(" 2 , 3 ", new long[] { 2, 3 })]
    [InlineData("7", new long[] { 7 })]
    [InlineData("9999999999,1", new long[] { 9_999_999_999, 1 })]
    public void SizesAreRead(string header, long[] expected) => Assert.Equal(expected, RequestBodies.ParseShapeHeader(Request(header)));

    [Theory]
    [InlineData("2,,3")]
    [InlineData("2,3,")]
    [InlineData(",2")]
    [InlineData("2;3")]
    [InlineData("-2,3")]
    [InlineData("+2,3")]
    [InlineData("2.0,3")]
    [InlineData("2 3")]
    [InlineData("  ")]
    public void AnythingElseIsABadRequestNamingTheHeader(string header)
    {
        var error = Assert.Throws<ServiceException>(() => RequestBodies.ParseShapeHeader(Request(header)));
        Assert.Equal((ServiceErrorKind.InvalidArgument, RequestBodies.ShapeHeader), (error.Kind, error.Field));
    }

    [Theory]
    [InlineData(new[] { 32, 8, 8, 64 }, "32,8,8,64")]
    [InlineData(new[] { 1 }, "1")]
    [InlineData(new[] { int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue }, "2147483647,2147483647,2147483647,2147483647,2147483647")]
    [InlineData(new[] { 1, 2, 3, 4, 5, 6, 7 }, "1,2,3,4,5,6,7")]
    public void SizesAreWrittenCommaSeparated(int[] dims, string expected) => Assert.Equal(expected, BinaryTensorResult.ShapeText(dims));

    private static HttpRequest Request(string header)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers[RequestBodies.ShapeHeader] = header;
        return http.Request;
    }
}
