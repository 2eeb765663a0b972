using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace BnService.Tests.Hostile;

/// <summary>
/// Seeded mutations of valid requests: bit flips, byte inserts and deletes, truncation, swapped slices and numeric
/// extremes on bytes (JSON text, protobuf, little-endian floats), and, on JSON, values replaced by extremes or swapped.
/// </summary>
public sealed class Mutator(Random random)
{
    private static readonly string[] JsonExtremes =
    [
        "1e999", "-1e999", "\"NaN\"", "\"Infinity\"", "0", "-0", "-1", "1e-45", "3.5e38", "4294967296", "9223372036854775808",
        "99999999999999999999", "2147483648", "\"1\"", "\"\"", "null", "true", "[]", "{}", "[[1]]", "[-1, 0]", "\"..\"", "\"a/b\"",
        "\"\\u0000\"", "\"ä\"", "1.5", "[4294967296, 4294967296, 4]", "[1000000, 4]",
    ];

    private static readonly byte[] InterestingBytes = [0x00, 0xFF, 0x7F, 0x80, (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)',', (byte)':', (byte)'-', (byte)'9', (byte)'e', (byte)'\\'];

    public int Next(int max) => random.Next(max);

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>One to three byte-level mutations.</summary>
    public byte[] Bytes(byte[] input)
    {
        var bytes = new List<byte>(input);
        var count = 1 + random.Next(3);
        for (var i = 0; i < count; i++)
        {
            Once(bytes);
        }

        return [.. bytes];
    }

    /// <summary>A JSON body changed in its structure (a value replaced by an extreme, two values swapped, a member dropped or renamed), then maybe at the byte level.</summary>
    public string Json(JsonNode template)
    {
        var root = template.DeepClone();
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        switch (random.Next(5))
        {
            case 0 when nodes.Count > 1:
                Replace(Pick(nodes.Skip(1).ToList()), JsonNode.Parse(Pick(JsonExtremes)));
                break;
            case 1 when nodes.Count > 2:
                var a = Pick(nodes.Skip(1).ToList());
                var b = Pick(nodes.Skip(1).ToList());
                if (!Contains(a, b) && !Contains(b, a))
                {
                    var (ca, cb) = (a.DeepClone(), b.DeepClone());
                    Replace(a, cb);
                    Replace(b, ca);
                }

                break;
            case 2 when nodes.OfType<JsonObject>().Any(o => o.Count > 0):
                var holder = Pick(nodes.OfType<JsonObject>().Where(o => o.Count > 0).ToList());
                var name = Pick(holder.Select(p => p.Key).ToList());
                if (random.Next(2) == 0)
                {
                    holder.Remove(name);
                }
                else
                {
                    var value = holder[name];
                    holder.Remove(name);
                    holder[name + Pick(["_", "s", "X"])] = value;
                }

                break;
            default:
                var array = nodes.OfType<JsonArray>().Where(x => x.Count > 0).ToList();
                if (array.Count > 0)
                {
                    var target = Pick(array);
                    if (random.Next(2) == 0)
                    {
                        target.RemoveAt(random.Next(target.Count));
                    }
                    else
                    {
                        target.Add(JsonNode.Parse(Pick(JsonExtremes)));
                    }
                }

                break;
        }

        var text = root.ToJsonString();
        return random.Next(3) == 0 ? Encoding.UTF8.GetString(Bytes(Encoding.UTF8.GetBytes(text))) : text;
    }

    private void Once(List<byte> bytes)
    {
        var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(7))
        {
            case 0 when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                bytes.Insert(at, random.Next(2) == 0 ? Pick(InterestingBytes) : (byte)random.Next(256));
                break;
            case 2 when bytes.Count > 0:
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(4)));
                break;
            case 3 when bytes.Count > 0:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 4 when bytes.Count > 8:
                // Swap two slices (fields of a protobuf message move, values of a binary body trade places).
                var length = 1 + random.Next(Math.Min(8, bytes.Count / 2));
                var from = random.Next(bytes.Count - length);
                var to = random.Next(bytes.Count - length);
                var slice = bytes.GetRange(from, length);
                bytes.RemoveRange(from, length);
                bytes.InsertRange(Math.Min(to, bytes.Count), slice);
                break;
            case 5 when bytes.Count >= 4:
                // A numeric extreme over four bytes: a float32 or a varint-like run.
                var value = new byte[4];
                var pick = random.Next(6);
                if (pick < 4)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(value, pick switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.MaxValue, _ => -float.Epsilon });
                }
                else
                {
                    value = pick == 4 ? [0xFF, 0xFF, 0xFF, 0x7F] : [0x80, 0x80, 0x80, 0x80];
                }

                var start = random.Next(bytes.Count - 3);
                for (var i = 0; i < 4; i++)
                {
                    bytes[start + i] = value[i];
                }

                break;
            default:
                bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16))));
                break;
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }

        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o.ToList())
                {
                    Collect(child, nodes);
                }

                break;
            case JsonArray a:
                foreach (var child in a.ToList())
                {
                    Collect(child, nodes);
                }

                break;
        }
    }

    private static bool Contains(JsonNode outer, JsonNode inner)
    {
        for (var node = inner; node is not null; node = node.Parent)
        {
            if (ReferenceEquals(node, outer))
            {
                return true;
            }
        }

        return false;
    }

    private static void Replace(JsonNode node, JsonNode? replacement)
    {
        switch (node.Parent)
        {
            case JsonObject o:
                o[node.GetPropertyName()] = replacement;
                break;
            case JsonArray a:
                a[node.GetElementIndex()] = replacement;
                break;
        }
    }
}
