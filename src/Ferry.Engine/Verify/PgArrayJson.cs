using System.Globalization;
using System.Text;

namespace Ferry.Engine.Verify;

/// <summary>
/// A PostgreSQL array's text output (<c>{1,2,NULL}</c>, <c>{{1,2},{3,4}}</c>, <c>{"a b","x\"y"}</c>) as a JSON
/// array: the form the cross-engine type table gives arrays on MySQL. Elements of numeric element types become
/// JSON numbers, booleans JSON booleans, everything else JSON strings; NULL becomes null. The writer and the
/// verifier use the same conversion, so equal arrays compare equal and different ones still differ.
/// </summary>
public static class PgArrayJson
{
    public enum Element { Text, Number, Boolean }



    /// <summary>The element kind of an array type by its <c>pg_type.typname</c> (<c>_int4</c>, <c>_bool</c>, …).</summary>
    public static Element Of(string arrayDataType) => arrayDataType.TrimStart('_') switch
    {
        "int2" or "int4" or "int8" or "numeric" or "float4" or "float8" or "oid" => Element.Number,
        "bool" => Element.Boolean,
        _ => Element.Text,
    };

    /// <summary>The JSON form, or null when <paramref name="text"/> is not an array literal.</summary>
    public static string? TryConvert(string text, Element element)
    {
        var s = text.AsSpan().Trim();
        // an explicit lower bound ("[0:1]={…}") is not kept by a JSON array
        var eq = s.IndexOf('=');
        if (s.Length > 0 && s[0] == '[' && eq > 0) s = s[(eq + 1)..];
        var pos = 0;
        var sb = new StringBuilder();
        if (!Parse(s, ref pos, element, sb)) return null;
        return pos == s.Length ? sb.ToString() : null;
    }

    private static bool Parse(ReadOnlySpan<char> s, ref int pos, Element element, StringBuilder sb)
    {
        if (pos >= s.Length || s[pos] != '{') return false;
        pos++;
        sb.Append('[');
        if (pos < s.Length && s[pos] == '}') { pos++; sb.Append(']'); return true; }
        while (true)
        {
            if (pos >= s.Length) return false;
            if (s[pos] == '{')
            {
                if (!Parse(s, ref pos, element, sb)) return false;
            }
            else if (s[pos] == '"')
            {
                pos++;
                var value = new StringBuilder();
                while (true)
                {
                    if (pos >= s.Length) return false;
                    var ch = s[pos++];
                    if (ch == '"') break;
                    if (ch == '\\')
                    {
                        if (pos >= s.Length) return false;
                        ch = s[pos++];
                    }
                    value.Append(ch);
                }
                if (!AppendElement(value.ToString(), quoted: true, element, sb)) return false;
            }
            else
            {
                var start = pos;
                while (pos < s.Length && s[pos] is not (',' or '}')) pos++;
                if (!AppendElement(s[start..pos].Trim().ToString(), quoted: false, element, sb)) return false;
            }
            if (pos >= s.Length) return false;
            if (s[pos] == ',') { pos++; sb.Append(','); continue; }
            if (s[pos] == '}') { pos++; sb.Append(']'); return true; }
            return false;
        }
    }

    private static bool AppendElement(string value, bool quoted, Element element, StringBuilder sb)
    {
        if (!quoted && value.Equals("NULL", StringComparison.OrdinalIgnoreCase)) { sb.Append("null"); return true; }
        switch (element)
        {
            case Element.Number:
                // NaN and Infinity have no JSON number: kept as strings rather than lost
                if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                    sb.Append(value);
                else AppendString(value, sb);
                return true;
            case Element.Boolean when value is "t" or "f":
                sb.Append(value == "t" ? "true" : "false");
                return true;
            default:
                AppendString(value, sb);
                return true;
        }
    }

    /// <summary>A JSON string that keeps text as it is (emoji too; the serializer would escape them), escaping only what JSON requires.</summary>
    private static void AppendString(string value, StringBuilder sb)
    {
        sb.Append('"');
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case < ' ': sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: sb.Append(ch); break;
            }
        }
        sb.Append('"');
    }
}
