using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BnService.Rest;

/// <summary>
/// A 200 answer with a JSON body, as <see cref="Microsoft.AspNetCore.Http.HttpResults.Ok{TValue}"/> writes it (the host's
/// JSON options, the same OpenAPI description) but written straight into the response pipe in large segments. The
/// usual writer starts the response only at its first flush, after the body: a tensor's values in text (megabytes for a
/// large batch) are formatted into Kestrel's 4 KiB blocks leased apart, then copied behind the headers block by block.
/// Here the response is started first and the text goes into large segments (<see cref="LargeSegments"/>).
/// </summary>
public sealed class JsonAnswer<TValue>(TValue value) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<TValue>
{
    public TValue Value => value;

    object? IValueHttpResult.Value => value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        await response.StartAsync(httpContext.RequestAborted);
        var body = new LargeSegments(response.BodyWriter);
        using (var json = new Utf8JsonWriter(body, WriterOptions(options)))
        {
            JsonSerializer.Serialize(json, value, options.GetTypeInfo(typeof(TValue)));
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    /// <summary>What <see cref="JsonSerializer"/> writes with when it makes its own writer from these options.</summary>
    private static JsonWriterOptions WriterOptions(JsonSerializerOptions options) => new()
    {
        Encoder = options.Encoder,
        Indented = options.WriteIndented,
        IndentCharacter = options.IndentCharacter,
        IndentSize = options.IndentSize,
        MaxDepth = options.MaxDepth == 0 ? 64 : options.MaxDepth,
        NewLine = options.NewLine,
        SkipValidation = true,
    };

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TValue), ["application/json"]));
    }
}
