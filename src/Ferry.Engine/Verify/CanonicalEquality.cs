using System.Globalization;
using Ferry.Engine.Changes;

namespace Ferry.Engine.Verify;

/// <summary>
/// Equality of values as their canonical forms (<see cref="RowValues.Canonical"/>) are equal, without
/// building those forms for the common types: two values are equal here exactly when their canonical
/// texts are, and hash alike whenever they are (a key read as digits on one side and as a number on
/// the other still meets its twin).
/// </summary>
public static class CanonicalEquality
{
    public static bool Equal(object? a, object? b)
    {
        switch (a, b)
        {
            case (null, null): return true;
            case (string x, string y): return string.Equals(x, y, StringComparison.Ordinal);
            case (long x, long y): return x == y;
            case (ulong x, ulong y): return x == y;
            case (int x, int y): return x == y;
            // canonical text is the shortest round-trip form: one text per bit pattern (0 and -0 differ), "NaN" for every NaN
            case (double x, double y): return BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y) || (double.IsNaN(x) && double.IsNaN(y));
            case (float x, float y): return BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y) || (float.IsNaN(x) && float.IsNaN(y));
            // canonical text shows microseconds and no kind
            case (DateTime x, DateTime y): return x.Ticks / 10 == y.Ticks / 10;
            case (DateOnly x, DateOnly y): return x == y;
            case (byte[] x, byte[] y): return x.AsSpan().SequenceEqual(y);
            case (bool x, bool y): return x == y;
            default: return string.Equals(RowValues.Canonical(a), RowValues.Canonical(b), StringComparison.Ordinal);
        }
    }

    /// <summary>The hash of the value's canonical text.</summary>
    public static int Hash(object? value)
    {
        Span<char> digits = stackalloc char[24];
        switch (value)
        {
            case string s: return string.GetHashCode(s.AsSpan());
            case long l when l.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture): return string.GetHashCode(digits[..n]);
            case ulong u when u.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture): return string.GetHashCode(digits[..n]);
            case int i when i.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture): return string.GetHashCode(digits[..n]);
            default: return string.GetHashCode(RowValues.Canonical(value).AsSpan());
        }
    }
}
