using System.Buffers.Binary;
using System.Text;

namespace BnService.Storage;

/// <summary>
/// The layout of one state file (all integers little-endian):
/// <code>
/// magic "BNST" | format version u16 | reserved u16 | etag i64 | key length i32 | key UTF-8
/// | payload length i64 | payload (the state in Orleans' binary serialization) | payload checksum u64 (XXH3-64)
/// </code>
/// A later release reads <see cref="Version"/> first and keeps a reader for every version it ever wrote.
/// </summary>
internal static class StateFileFormat
{
    public const ushort Version = 1;

    /// <summary>Magic, version, reserved and etag: enough to read the etag alone.</summary>
    public const int HeaderLength = 16;

    private static ReadOnlySpan<byte> Magic => "BNST"u8;

    public sealed record Record(long ETag, string Key, byte[] Payload);

    public static byte[] Encode(long etag, string key, ReadOnlySpan<byte> payload)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var buffer = new byte[4 + 2 + 2 + 8 + 4 + keyBytes.Length + 8 + payload.Length + 8];
        var span = buffer.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], etag);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], keyBytes.Length);
        keyBytes.CopyTo(span[20..]);
        var at = 20 + keyBytes.Length;
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], payload.Length);
        payload.CopyTo(span[(at + 8)..]);
        at += 8 + payload.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(span[at..], Checksum(payload));
        return buffer;
    }

    /// <summary>The etag from the first <see cref="HeaderLength"/> bytes.</summary>
    public static long DecodeETag(ReadOnlySpan<byte> header, string path)
    {
        CheckHeader(header, path);
        return BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
    }

    /// <summary>Decodes a whole file; a truncated, foreign or damaged file is an <see cref="InvalidDataException"/> naming <paramref name="path"/>.</summary>
    public static Record Decode(ReadOnlySpan<byte> data, string path)
    {
        if (data.Length < 20)
        {
            throw new InvalidDataException($"'{path}' is truncated");
        }

        CheckHeader(data, path);
        var etag = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        if (keyLength < 0 || 20L + keyLength + 8 > data.Length)
        {
            throw new InvalidDataException($"'{path}' is truncated");
        }

        var key = Encoding.UTF8.GetString(data.Slice(20, keyLength));
        var at = 20 + keyLength;
        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(data[at..]);
        if (payloadLength < 0 || at + 8 + payloadLength + 8 != data.Length)
        {
            throw new InvalidDataException($"'{path}' is truncated or has trailing bytes");
        }

        var payload = data.Slice(at + 8, (int)payloadLength);
        if (BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 8 + (int)payloadLength)..]) != Checksum(payload))
        {
            throw new InvalidDataException($"'{path}' fails its checksum");
        }

        return new Record(etag, key, payload.ToArray());
    }

    private static void CheckHeader(ReadOnlySpan<byte> data, string path)
    {
        if (!data[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a layer state file");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (version != Version)
        {
            throw new InvalidDataException($"'{path}' has state format version {version}; this build reads version {Version}");
        }
    }

    /// <summary>XXH3, 64 bits: catches a damaged file (not an attacker) at memory speed.</summary>
    private static ulong Checksum(ReadOnlySpan<byte> bytes) => System.IO.Hashing.XxHash3.HashToUInt64(bytes);
}
