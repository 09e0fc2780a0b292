using System.IO.Compression;
using System.Text;
using Ferry.Engine.Errors;
using Ferry.MySql.Binlog;

namespace Ferry.MySql.Tests.Binlog;

/// <summary>The compressed block header in all its documented widths, and the ways a block can be wrong.</summary>
public sealed class CompressedEventBlockTests
{
    private static byte[] Zlib(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal)) z.Write(data);
        return output.ToArray();
    }

    private static byte[] Block(byte header, byte[] lengthBigEndian, byte[] stream) => [header, .. lengthBigEndian, .. stream];

    [Theory]
    [InlineData(1, 200)]
    [InlineData(2, 300)]
    [InlineData(3, 70_000)]
    [InlineData(4, 20_000_000)]
    public void Inflates_with_one_to_four_length_bytes(int lengthBytes, int size)
    {
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("row data ", size / 9 + 1)))[..size];
        var length = BitConverter.GetBytes((uint)size).Take(lengthBytes).Reverse().ToArray(); // big-endian
        Assert.Equal(data, CompressedEvent.Inflate(Block((byte)(0x80 | lengthBytes), length, Zlib(data))));
    }

    [Fact]
    public void Refuses_blocks_it_cannot_trust()
    {
        var data = "SELECT 1"u8.ToArray();
        var stream = Zlib(data);
        // no compression flag
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() => CompressedEvent.Inflate(Block(0x01, [8], stream))).Code);
        // an algorithm other than zlib
        Assert.Contains("algorithm 1", Assert.Throws<FerryException>(() => CompressedEvent.Inflate(Block(0x91, [8], stream))).Message);
        // a stated length the stream does not fill
        Assert.Contains("stated 9 bytes", Assert.Throws<FerryException>(() => CompressedEvent.Inflate(Block(0x81, [9], stream))).Message);
        Assert.Contains("stated 7 bytes", Assert.Throws<FerryException>(() => CompressedEvent.Inflate(Block(0x81, [7], stream))).Message);
        // not a zlib stream
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() => CompressedEvent.Inflate(Block(0x81, [8], [1, 2, 3, 4]))).Code);
        // zero or more than four length bytes
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() => CompressedEvent.Inflate(Block(0x80, [], stream))).Code);
        Assert.Equal("binlog.protocol", Assert.Throws<FerryException>(() => CompressedEvent.Inflate(Block(0x85, [0, 0, 0, 0, 8], stream))).Code);
    }
}
