using System.Text.Json;
using System.Text.Json.Serialization;
using BnEngine;

namespace BnService.Rest.Json;

/// <summary>An initializer: one number for every channel, or an array of one number per channel.</summary>
public sealed class ChannelValuesConverter : JsonConverter<ChannelValues>
{
    public override ChannelValues Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return ChannelValues.Of(reader.GetDouble());
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("an initializer is a number or an array of one number per channel");
        }

        var values = new List<double>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw new JsonException("an initializer is a number or an array of one number per channel");
            }

            values.Add(reader.GetDouble());
        }

        return ChannelValues.Of([.. values]);
    }

    public override void Write(Utf8JsonWriter writer, ChannelValues value, JsonSerializerOptions options)
    {
        if (value.PerChannel is { } values)
        {
            writer.WriteStartArray();
            foreach (var v in values)
            {
                writer.WriteNumberValue(v);
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNumberValue(value.Scalar!.Value);
        }
    }
}

/// <summary><c>decay</c> as sent: absent means the convention's default, <c>null</c> the cumulative average, else a number.</summary>
public sealed class DecayConverter : JsonConverter<Decay?>
{
    public override bool HandleNull => true;

    public override Decay? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => Decay.Cumulative,
            JsonTokenType.Number => new Decay(reader.GetDouble()),
            _ => throw new JsonException("decay is a number in [0, 1] or null"),
        };

    public override void Write(Utf8JsonWriter writer, Decay? value, JsonSerializerOptions options)
    {
        if (value?.Value is { } decay)
        {
            writer.WriteNumberValue(decay);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
