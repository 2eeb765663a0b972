using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using BnService.Rest;
using BnService.Rest.Contracts;
using BnService.Rest.Json;

namespace BnService.Tests.Rest;

/// <summary>
/// A tensor's data parsed straight from the body's text gives exactly what the reader's token-by-token path gives:
/// the same floats bit for bit, and for anything else the same error, since it then declines and the reader reads.
/// </summary>
public sealed class JsonFloatArrayReadTests
{
    private const long MaxBytes = 1 << 20;

    private static readonly JsonSerializerOptions Options = CreateOptions();

    [Theory]
    [InlineData("[]")]
    [InlineData("[0]")]
    [InlineData("[-0]")]
    [InlineData("[ 1 , -2.5e+3 ,0.1,1E-5\t,\r\n4.7073894 ]")]
    [InlineData("[16777217, 1234567890123456789012, 3.4028235e38, 1e-45, 1e-50, 0e5000, 1.5e-7000]")]
    [InlineData("[0.30000000000000004, 1.00000000000000000000001, 123456789012345678901234567890e-20]")]
    [InlineData("[1e39, -1e39, 3.5e38]")]
    public void ValuesAreTheReadersBitForBit(string array) => AssertSameAsReader(array);

    [Fact]
    public void RandomValuesInEveryCommonFormAreTheReadersBitForBit()
    {
        var random = new Random(23);
        var text = new StringBuilder("[");
        for (var i = 0; i < 20_000; i++)
        {
            foreach (var form in FloatForms.Next(random))
            {
                text.Append(text.Length > 1 ? (i % 3 == 0 ? ", " : ",") : "").Append(form);
            }
        }

        AssertSameAsReader(text.Append(']').ToString());
    }

    [Fact]
    public void FractionsOfEveryLengthAreTheReadersBitForBit()
    {
        // Eight and four digits at a time, then one by one: every split of 1 to 24 fraction digits, with and without an exponent.
        var random = new Random(5);
        var numbers = new List<string>();
        for (var length = 1; length <= 24; length++)
        {
            for (var k = 0; k < 200; k++)
            {
                var fraction = string.Concat(Enumerable.Range(0, length).Select(_ => (char)('0' + random.Next(10))));
                var whole = random.Next(3) switch { 0 => "0", 1 => "-7", _ => random.Next(1, 100_000).ToString(CultureInfo.InvariantCulture) };
                var exponent = random.Next(3) == 0 ? $"e{random.Next(-30, 30)}" : "";
                numbers.Add($"{whole}.{fraction}{exponent}");
            }
        }

        AssertSameAsReader("[" + string.Join(",", numbers) + "]");
    }

    [Theory]
    [InlineData("[1,]")]
    [InlineData("[,1]")]
    [InlineData("[01]")]
    [InlineData("[1.]")]
    [InlineData("[.5]")]
    [InlineData("[+1]")]
    [InlineData("[1e]")]
    [InlineData("[1e+]")]
    [InlineData("[-]")]
    [InlineData("[1 2]")]
    [InlineData("[1,,2]")]
    [InlineData("[\"1\"]")]
    [InlineData("[null]")]
    [InlineData("[true]")]
    [InlineData("[[1]]")]
    [InlineData("[{}]")]
    [InlineData("[NaN]")]
    [InlineData("[Infinity]")]
    [InlineData("[1/*c*/]")]
    [InlineData("[1")]
    [InlineData("[1,")]
    [InlineData("[1\u00a0]")]
    [InlineData("[1]]")]
    [InlineData("1]")]
    [InlineData("[1, 2")]
    public void AnythingButAFlatArrayOfFloat32NumbersIsDeclined(string array)
    {
        var json = Encoding.UTF8.GetBytes(array);
        Assert.False(FloatArrayText.TryParse(json, new float[16], out _));
    }

    [Fact]
    public void MoreValuesThanRoomIsDeclined() =>
        Assert.False(FloatArrayText.TryParse("[1,2,3]"u8, new float[2], out _));

    [Theory]
    [InlineData("""{"input": {"shape": [2, 2], "data": [1, 2, 3, 4.5]}}""")]
    [InlineData("""{"input": {"data": [1, 2, 3, 4.5], "shape": [2, 2]}, "request_id": "r-1"}""")]
    [InlineData("""{"request_id": "r-1", "input": {"data": [], "shape": [0, 2]}, "batch_weights": [1, 2]}""")]
    [InlineData("""{"input": {"shape": [2, 2], "data": [1, 2, 3]}}""")]
    [InlineData("""{"input": {"shape": [2], "data": [1, 1e39]}}""")]
    [InlineData(" {\n \"input\" : { \"shape\" : [ 1 , 2 ] ,\n \"data\" : [\n 1.0 ,\n -2 \n ] \n } \n } \n")]
    public void RequestsReadFromTheTextAreTheReadersRequests(string body)
    {
        var viaReader = Deserialize(body, buffered: false);
        var viaText = Deserialize(body, buffered: true);
        Assert.Equal(viaReader.Input.Shape, viaText.Input.Shape);
        Assert.Equal(viaReader.Input.Count, viaText.Input.Count);
        Assert.Equal(viaReader.Input.Bytes.AsSpan(0, 4 * viaReader.Input.Count).ToArray(), viaText.Input.Bytes.AsSpan(0, 4 * viaText.Input.Count).ToArray());
        Assert.Equal(viaReader.RequestId, viaText.RequestId);
        Assert.Equal(viaReader.BatchWeights, viaText.BatchWeights);
    }

    [Theory]
    [InlineData("""{"input": {"shape": [2], "data": [1, "2"]}}""")]
    [InlineData("""{"input": {"shape": [2], "data": [1, 2], "extra": 1}}""")]
    [InlineData("""{"input": {"shape": [2], "data": [1, 2]}, "unknown": 1}""")]
    [InlineData("""{"input": {"shape": [2], "data": [1, 2]}, "request_id": 5}""")]
    [InlineData("""{"input": {"shape": [2], "data": [1, 2]}} trailing""")]
    [InlineData("""{"input": {"shape": [2], "data": [1, 2]}""")]
    [InlineData("""{"input": {"shape": [2], "data": [1, 2}}""")]
    [InlineData("""{"input": {"data": [1, 2]}}""")]
    public void BadRequestsFailAsTheReadersDo(string body)
    {
        var viaReader = Assert.ThrowsAny<JsonException>(() => Deserialize(body, buffered: false));
        var viaText = Assert.ThrowsAny<JsonException>(() => Deserialize(body, buffered: true));
        Assert.Equal(viaReader.GetType(), viaText.GetType());
        Assert.Equal(viaReader.Path, viaText.Path);
        Assert.Equal(Cut(viaReader.Message), Cut(viaText.Message));
    }

    [Fact]
    public void MoreValuesThanTheLimitAreRefusedAsTheReaderRefusesThem()
    {
        var values = string.Join(',', Enumerable.Repeat("1", (int)(MaxBytes / 4) + 1));
        var body = "{\"input\": {\"shape\": [2], \"data\": [" + values + "]}}";
        var viaReader = Assert.Throws<TensorTooLargeException>(() => Deserialize(body, buffered: false));
        var viaText = Assert.Throws<TensorTooLargeException>(() => Deserialize(body, buffered: true));
        Assert.Equal(viaReader.Path, viaText.Path);
        Assert.Equal(Cut(viaReader.Message), Cut(viaText.Message));
    }

    [Fact]
    public void AReaderOverAnotherBufferIsNotTakenForTheBody()
    {
        var body = Encoding.UTF8.GetBytes("""{"input": {"shape": [2], "data": [1, 2]}}""");
        var other = Encoding.UTF8.GetBytes("""{"input": {"shape": [2], "data": [3, 4]}}""");
        using (BufferedJsonBody.Use(body, body.Length))
        {
            var request = JsonSerializer.Deserialize<TrainRequest>(other, Options)!;
            Assert.Equal([3f, 4f], [BitConverter.ToSingle(request.Input.Bytes, 0), BitConverter.ToSingle(request.Input.Bytes, 4)]);
        }
    }

    /// <summary>
    /// The text path moves the reader past the array with fresh byte positions, which the serializer would misuse for an
    /// object built through constructor parameters (it re-reads some properties by position): no tensor-holding request is one.
    /// </summary>
    [Fact]
    public void RequestsHoldingTensorsAreBuiltWithoutConstructorParameters()
    {
        var holders = typeof(RequestBodies).Assembly.GetTypes()
            .Where(t => t.GetProperties().Any(p => p.PropertyType == typeof(JsonTensor)))
            .ToArray();
        Assert.NotEmpty(holders);
        foreach (var type in holders)
        {
            Assert.True(type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null, type.Name);
            var info = Options.GetTypeInfo(type);
            Assert.All(info.Properties, p => Assert.Null(p.AssociatedParameter));
        }
    }

    private static void AssertSameAsReader(string array)
    {
        var json = Encoding.UTF8.GetBytes(array);
        var expected = ReadByTokens(json);
        var values = new float[expected.Length + 1];
        Assert.True(FloatArrayText.TryParse(json, values, out var count));
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), values.Take(count).Select(BitConverter.SingleToUInt32Bits));
    }

    /// <summary>The reader's own float parser, number by number: the reference (FloatText's fast path is checked against it apart).</summary>
    internal static float[] ReadByTokens(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        var values = new List<float>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Assert.True(reader.TryGetSingle(out var value));
            values.Add(value);
        }

        return [.. values];
    }

    private static TrainRequest Deserialize(string body, bool buffered)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        if (!buffered)
        {
            return JsonSerializer.Deserialize<TrainRequest>(bytes, Options)!;
        }

        using (BufferedJsonBody.Use(bytes, bytes.Length))
        {
            return JsonSerializer.Deserialize<TrainRequest>(bytes, Options)!;
        }
    }

    /// <summary>A message without its byte positions (the text path's reader counts them anew; clients never see them).</summary>
    private static string Cut(string message) =>
        message.IndexOf(" LineNumber:", StringComparison.Ordinal) is var at and >= 0 ? message[..at] : message;

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions();
        RestExtensions.Configure(options, MaxBytes);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
