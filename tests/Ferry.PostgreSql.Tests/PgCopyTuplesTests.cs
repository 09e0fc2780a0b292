using System.Buffers.Binary;

namespace Ferry.PostgreSql.Tests;

/// <summary>The tuple walker of the pass-through copy, on streams built by hand and fed in pieces of every size.</summary>
public sealed class PgCopyTuplesTests
{
    private static byte[] Stream(int extension, params int[][] tuples)
    {
        var bytes = new List<byte>("PGCOPY\n"u8.ToArray()) { 0xff, (byte)'\r', (byte)'\n', 0 };
        void Int(int v, int size)
        {
            var b = new byte[size];
            if (size == 2) BinaryPrimitives.WriteInt16BigEndian(b, (short)v); else BinaryPrimitives.WriteInt32BigEndian(b, v);
            bytes.AddRange(b);
        }
        Int(0, 4);
        Int(extension, 4);
        bytes.AddRange(new byte[extension]);
        foreach (var fields in tuples)
        {
            Int(fields.Length, 2);
            foreach (var length in fields)
            {
                Int(length, 4);
                // field data that looks like a field count and a trailer, which must be skipped, not read
                for (var i = 0; i < length; i++) bytes.Add(0xff);
            }
        }
        Int(-1, 2);
        return bytes.ToArray();
    }

    [Fact]
    public void Tuples_are_counted_however_the_stream_is_cut()
    {
        var data = Stream(3, [-1, 0, 5], [70000, 1, -1], [2, 2, 2]);
        for (var piece = 1; piece <= data.Length; piece = piece < 16 ? piece + 1 : piece * 3)
        {
            var walker = new PgCopyTuples(3);
            for (var at = 0; at < data.Length; at += piece) walker.Feed(data.AsSpan(at, Math.Min(piece, data.Length - at)));
            Assert.Equal(3, walker.Tuples);
            Assert.True(walker.Complete);
        }
    }

    [Fact]
    public void A_cut_stream_is_not_complete_and_a_foreign_one_is_refused()
    {
        var data = Stream(0, [4, 4], [4, 4]);
        var cut = new PgCopyTuples(2);
        cut.Feed(data.AsSpan(0, data.Length - 5));
        Assert.False(cut.Complete);
        Assert.Equal(2, cut.Tuples);
        Assert.Throws<InvalidDataException>(() => new PgCopyTuples(3).Feed(data));
        Assert.Throws<InvalidDataException>(() => new PgCopyTuples(2).Feed("COPY\n\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"u8));
        var after = new PgCopyTuples(2);
        Assert.Throws<InvalidDataException>(() => after.Feed([.. data, 0]));
    }
}
