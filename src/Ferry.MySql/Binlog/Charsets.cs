using System.Text;

namespace Ferry.MySql.Binlog;

/// <summary>Decodes column bytes by collation id. MySQL's latin1 is Windows-1252 (with the five holes kept as C1 controls).</summary>
internal static class Charsets
{
    public const int Binary = 63;
    private static readonly HashSet<int> Latin1 = [5, 8, 15, 31, 47, 48, 49, 94];
    private static readonly HashSet<int> Ascii = [11, 65];

    private static readonly char[] Cp1252High =
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021', '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014', '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];

    public static bool IsBinary(int collation) => collation == Binary;

    public static string Decode(ReadOnlySpan<byte> bytes, int collation)
    {
        if (Latin1.Contains(collation)) return DecodeLatin1(bytes);
        if (Ascii.Contains(collation)) return Encoding.ASCII.GetString(bytes);
        // utf8mb4, utf8mb3 and anything unknown: UTF-8 (utf8mb3 is a subset).
        return Encoding.UTF8.GetString(bytes);
    }

    private static string DecodeLatin1(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                var b = src[i];
                span[i] = b is >= 0x80 and <= 0x9F ? Cp1252High[b - 0x80] : (char)b;
            }
        });
    }
}
