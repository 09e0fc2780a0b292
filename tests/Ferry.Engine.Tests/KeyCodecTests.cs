using Ferry.Engine.Copy;

namespace Ferry.Engine.Tests;

public sealed class KeyCodecTests
{
    [Fact]
    public void Every_key_type_round_trips_with_its_exact_type()
    {
        object?[] key =
        [
            null, long.MinValue, ulong.MaxValue, "a|b😀", new byte[] { 0, 255, 0 },
            new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Utc).AddTicks(1234560),
            new DateTime(1000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), new DateOnly(9999, 12, 31),
            TimeSpan.FromHours(-838.5), -0.0d, 1.5f, "",
        ];
        var back = KeyCodec.Decode(KeyCodec.Encode(key))!;
        Assert.Equal(key.Length, back.Length);
        for (var i = 0; i < key.Length; i++)
        {
            Assert.Equal(key[i]?.GetType(), back[i]?.GetType());
            Assert.Equal(key[i], back[i]);
            if (key[i] is DateTime d) Assert.Equal(d.Kind, ((DateTime)back[i]!).Kind);
        }
        Assert.True(double.IsNegative((double)back[9]!));
        Assert.Null(KeyCodec.Decode(KeyCodec.Encode(null)));
    }
}
