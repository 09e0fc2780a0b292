using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ferry.Engine.Verify;

/// <summary>
/// One text per JSON value, whatever engine stored it: PostgreSQL's jsonb and MySQL's JSON keep neither
/// the key order nor the spacing they were given, and spell numbers their own way. Objects are written
/// with keys in ordinal order (the last of duplicate keys wins, as jsonb keeps it), no spacing, and
/// numbers in their shortest exact decimal form, so equal values compare equal across engines.
/// </summary>
public static class JsonCanonical
{
    /// <summary>The canonical text, or the input unchanged when it is not JSON.</summary>
    public static string Normalize(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 512 });
            var sb = new StringBuilder(json.Length);
            Write(doc.RootElement, sb);
            return sb.ToString();
        }
        catch (JsonException) { return json; }
    }

    private static void Write(JsonElement e, StringBuilder sb)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var p in e.EnumerateObject()) members[p.Name] = p.Value;
                sb.Append('{');
                var first = true;
                foreach (var (name, value) in members)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    sb.Append(JsonSerializer.Serialize(name)).Append(':');
                    Write(value, sb);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (i++ > 0) sb.Append(',');
                    Write(item, sb);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String:
                sb.Append(JsonSerializer.Serialize(e.GetString()));
                break;
            case JsonValueKind.Number:
                sb.Append(Number(e.GetRawText()));
                break;
            default:
                sb.Append(e.GetRawText());
                break;
        }
    }

    private static string Number(string raw)
    {
        if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            var s = d.ToString(CultureInfo.InvariantCulture);
            if (s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
            return s == "-0" ? "0" : s;
        }
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var f)
            ? f.ToString("R", CultureInfo.InvariantCulture) : raw;
    }
}
