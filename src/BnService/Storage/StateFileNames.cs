using System.Security.Cryptography;
using System.Text;

namespace BnService.Storage;

/// <summary>
/// Maps a grain's state (state name and grain id) to one file name directly inside the storage folder.
/// Letters, digits, '_', '-' and '.' are kept; every other byte of the UTF-8 text becomes <c>%XX</c>, so no
/// separator or other special character reaches the file system. A name that would be too long for one
/// path component is replaced by its SHA-256 (the record still carries the full key, checked on read).
/// </summary>
internal static class StateFileNames
{
    public const string Extension = ".bnstate";

    /// <summary>Most file systems allow 255 bytes a name; room is kept for the temporary-file suffix.</summary>
    private const int MaxStem = 180;

    /// <summary>The text that identifies a state record: stored in the record and used to name its file.</summary>
    public static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    public static string FileName(string key)
    {
        var escaped = new StringBuilder(key.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        // The stem always begins with the state name's escaped form followed by '%2F', never with '.', so it
        // cannot be "." or ".." and is never a hidden file.
        var stem = escaped.Length <= MaxStem
            ? escaped.ToString()
            : "h_" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return "s_" + stem + Extension;
    }

    /// <summary>The full path of the key's file; throws if it would not lie directly inside <paramref name="folder"/>.</summary>
    public static string PathIn(string folder, string key)
    {
        var path = Path.GetFullPath(Path.Combine(folder, FileName(key)));
        if (!string.Equals(Path.GetDirectoryName(path), folder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the state file for '{key}' would lie outside the storage folder");
        }

        return path;
    }
}
