using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Ferry.Api.Tests.Support;

/// <summary>How one column's text is brought to one spelling on both engines before the cross-engine tests compare it.</summary>
public enum Norm { Exact, Float4, Float8, Bool, Timestamp, Interval, Hex, Json, Inet, Decimal, IntArray }

/// <summary>
/// The cross-engine end-to-end tests' own row comparison, independent of Ferry's readers: rows read as text by the
/// test's SQL on each side (key first), compared column by column after a per-column normalisation.
/// </summary>
public static class CrossEngineRows
{
    /// <summary>Waits until both sides hold the same rows, failing with the first differences after <paramref name="timeout"/>.</summary>
    public static async Task AssertConvergesAsync(Func<Task<SortedDictionary<long, string?[]>>> source, Func<Task<SortedDictionary<long, string?[]>>> destination,
        IReadOnlyList<(string Name, Norm Norm)> columns, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var differences = Differences(await source(), await destination(), columns);
            if (differences.Count == 0) return;
            if (DateTime.UtcNow > deadline) Assert.Fail("destination differs from source:\n" + string.Join("\n", differences.Take(20)));
            await Task.Delay(250);
        }
    }

    public static List<string> Differences(SortedDictionary<long, string?[]> expected, SortedDictionary<long, string?[]> actual, IReadOnlyList<(string Name, Norm Norm)> columns)
    {
        var list = new List<string>();
        foreach (var key in expected.Keys.Union(actual.Keys).Order())
        {
            if (!actual.TryGetValue(key, out var a)) { list.Add($"id {key}: missing on the destination"); continue; }
            if (!expected.TryGetValue(key, out var e)) { list.Add($"id {key}: not on the source"); continue; }
            for (var i = 0; i < columns.Count; i++)
            {
                var (s, d) = (Normalize(columns[i].Norm, e[i]), Normalize(columns[i].Norm, a[i]));
                if (s != d) list.Add($"id {key}, {columns[i].Name}: source {e[i] ?? "NULL"} → {s ?? "NULL"}, destination {a[i] ?? "NULL"} → {d ?? "NULL"}");
            }
        }
        return list;
    }

    /// <summary>The rows of <paramref name="cmd"/> (key, then <paramref name="columns"/> values) as text by key.</summary>
    public static async Task<SortedDictionary<long, string?[]>> ReadAsync(System.Data.Common.DbCommand cmd, int columns)
    {
        var rows = new SortedDictionary<long, string?[]>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var values = new string?[columns];
            for (var i = 0; i < values.Length; i++)
                values[i] = r.IsDBNull(i + 1) ? null : r.GetValue(i + 1) is byte[] b ? Encoding.UTF8.GetString(b) : Convert.ToString(r.GetValue(i + 1), CultureInfo.InvariantCulture);
            rows[Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture)] = values;
        }
        return rows;
    }

    /// <summary>Both engines' text of one value in one spelling; two values that differ stay different.</summary>
    public static string? Normalize(Norm norm, string? text)
    {
        if (text is null) return null;
        return norm switch
        {
            Norm.Exact => text,
            Norm.Float4 => float.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
            Norm.Float8 => double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
            Norm.Bool => text switch { "true" or "1" => "1", "false" or "0" => "0", _ => "?" + text },
            // MySQL prints all six fraction digits, PostgreSQL drops trailing zeros; timestamptz carries +00 in a UTC session
            Norm.Timestamp => TrimFraction(text.EndsWith("+00", StringComparison.Ordinal) ? text[..^3] : text),
            Norm.Interval => Microseconds(text),
            Norm.Hex => (text.StartsWith("\\x", StringComparison.Ordinal) ? text[2..] : text).ToUpperInvariant(),
            Norm.Json => Canonical(JsonNode.Parse(text)),
            // inet::text always shows the mask; a host address written without one has the full length
            Norm.Inet => text.Contains('/', StringComparison.Ordinal) ? text : text + (text.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"),
            // DECIMAL(65,30) prints 30 fraction digits, numeric only its own
            Norm.Decimal => TrimFraction(text),
            // integer arrays only: braces become brackets, NULL null
            Norm.IntArray => text.StartsWith('{') ? Canonical(JsonNode.Parse(text.Replace('{', '[').Replace('}', ']').Replace("NULL", "null", StringComparison.Ordinal))) : Canonical(JsonNode.Parse(text)),
            _ => text,
        };
    }

    private static string TrimFraction(string text) => text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;

    /// <summary><c>[-]H:MM:SS[.ffffff]</c> (MySQL TIME, PostgreSQL interval in IntervalStyle postgres) as signed microseconds.</summary>
    private static string Microseconds(string text)
    {
        var negative = text.StartsWith('-');
        var parts = text.TrimStart('-').Split(':');
        if (parts.Length != 3) return "?" + text;
        var seconds = parts[2].Split('.');
        var micros = (long.Parse(parts[0], CultureInfo.InvariantCulture) * 3600 + long.Parse(parts[1], CultureInfo.InvariantCulture) * 60
                      + long.Parse(seconds[0], CultureInfo.InvariantCulture)) * 1_000_000
                     + (seconds.Length > 1 ? long.Parse(seconds[1].PadRight(6, '0'), CultureInfo.InvariantCulture) : 0);
        return (negative ? -micros : micros).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>JSON with object keys sorted, no spacing, numbers and strings in one spelling: jsonb keeps neither order nor spacing.</summary>
    private static string Canonical(JsonNode? node)
    {
        switch (node)
        {
            case null: return "null";
            case JsonObject o:
                var sb = new StringBuilder("{");
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                    sb.Append(sb.Length > 1 ? "," : "").Append(System.Text.Json.JsonSerializer.Serialize(k)).Append(':').Append(Canonical(v));
                return sb.Append('}').ToString();
            case JsonArray a:
                return "[" + string.Join(",", a.Select(Canonical)) + "]";
            default:
                var element = node.GetValue<System.Text.Json.JsonElement>();
                return element.ValueKind == System.Text.Json.JsonValueKind.Number
                    ? decimal.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)
                    : element.ValueKind == System.Text.Json.JsonValueKind.String ? System.Text.Json.JsonSerializer.Serialize(element.GetString()) : element.GetRawText();
        }
    }
}
