using Ferry.Engine.Changes;
using Ferry.Engine.Verify;

namespace Ferry.Engine.Tests;

/// <summary>Value equality in verification agrees exactly with equality of the values' canonical texts.</summary>
public sealed class CanonicalEqualityTests
{
    private static readonly object?[] Values =
    [
        null, "\u2400", "", "a", "A", "a ", "5", "-0", "0", "1.50", "1.5", "NaN", "0x0A",
        0L, 5L, -5L, long.MinValue, 5UL, 0UL, ulong.MaxValue, 5, 0,
        0.0, -0.0, 1.5, 1.5000000000000002, double.NaN, -double.NaN, double.PositiveInfinity,
        0f, -0f, 1.5f, 1.50001f, float.NaN,
        1.5m, 1.50m,
        new DateOnly(2024, 2, 29), new DateOnly(2024, 3, 1),
        new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Unspecified).AddTicks(1234560),
        new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Utc).AddTicks(1234567),
        new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Utc).AddTicks(1234570),
        TimeSpan.FromHours(-30.5), TimeSpan.FromHours(30.5),
        new byte[] { 10 }, new byte[] { 10 }, new byte[] { 10, 0 }, Array.Empty<byte>(),
        true, false,
    ];

    [Fact]
    public void Equal_exactly_when_the_canonical_texts_are_and_hashed_alike_then()
    {
        foreach (var a in Values)
        foreach (var b in Values)
        {
            var texts = RowValues.Canonical(a) == RowValues.Canonical(b);
            Assert.True(texts == CanonicalEquality.Equal(a, b), $"{a ?? "null"} ({a?.GetType().Name}) vs {b ?? "null"} ({b?.GetType().Name})");
            if (texts) Assert.Equal(CanonicalEquality.Hash(a), CanonicalEquality.Hash(b));
        }
    }
}
