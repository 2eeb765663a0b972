using System.Globalization;
using System.Text;

namespace BnService.Tests.Allocations;

/// <summary>JSON request bodies with tensors, each value in its shortest round-trip text.</summary>
internal static class JsonBodies
{
    public static string Tensor(long[] shape, float[] values)
    {
        var text = new StringBuilder(values.Length * 12);
        text.Append("{\"shape\":[").AppendJoin(',', shape).Append("],\"data\":[");
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(values[i].ToString("R", CultureInfo.InvariantCulture));
        }

        return text.Append("]}").ToString();
    }

    /// <summary>An object of the named members, each already JSON.</summary>
    public static byte[] Object(params (string Name, string Json)[] members) =>
        Encoding.UTF8.GetBytes("{" + string.Join(',', members.Select(m => $"\"{m.Name}\":{m.Json}")) + "}");
}
