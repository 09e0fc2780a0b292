using System.IO.Compression;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>
/// MariaDB's compressed events (<c>log_bin_compress=ON</c>): a QUERY whose statement text, or a rows
/// event whose row images, are replaced by a compressed block. Everything before that part (post-header,
/// status variables, database name; table id, flags, column count and bitmaps) stays as in the plain event,
/// so expanding the block gives back the plain event and one decoder serves both.
/// </summary>
internal static class CompressedEvent
{
    public static bool IsCompressedRows(EventType type) =>
        type is >= EventType.MariaDbWriteRowsCompressedV1 and <= EventType.MariaDbDeleteRowsCompressedV2;

    /// <summary>The plain event type a compressed one stands for.</summary>
    public static EventType Plain(EventType type) => type switch
    {
        EventType.MariaDbQueryCompressed => EventType.Query,
        EventType.MariaDbWriteRowsCompressedV1 => EventType.WriteRowsV1,
        EventType.MariaDbUpdateRowsCompressedV1 => EventType.UpdateRowsV1,
        EventType.MariaDbDeleteRowsCompressedV1 => EventType.DeleteRowsV1,
        EventType.MariaDbWriteRowsCompressedV2 => EventType.WriteRowsV2,
        EventType.MariaDbUpdateRowsCompressedV2 => EventType.UpdateRowsV2,
        EventType.MariaDbDeleteRowsCompressedV2 => EventType.DeleteRowsV2,
        _ => type,
    };

    /// <summary>A compressed rows event body turned into the body of its plain event.</summary>
    public static byte[] ExpandRows(EventType type, ReadOnlySpan<byte> body, int postHeaderLength)
    {
        var plain = Plain(type);
        var r = new ByteReader(body);
        r.Skip(postHeaderLength == 6 ? 4 : 6); // table id
        r.Skip(2); // flags
        if (plain is EventType.WriteRowsV2 or EventType.UpdateRowsV2 or EventType.DeleteRowsV2) r.Skip(r.U16() - 2);
        var width = (int)r.LenEnc();
        r.Skip((width + 7) / 8);
        if (plain is EventType.UpdateRowsV1 or EventType.UpdateRowsV2) r.Skip((width + 7) / 8);
        var prefix = body[..r.Position];
        var rows = Inflate(r.Rest);
        var expanded = new byte[prefix.Length + rows.Length];
        prefix.CopyTo(expanded);
        rows.CopyTo(expanded.AsSpan(prefix.Length));
        return expanded;
    }

    /// <summary>
    /// One compressed block: a header byte (0x80 set; bits 4-6 the algorithm, 0 = zlib; bits 0-2 how many
    /// bytes the uncompressed length takes), that length big-endian, then the zlib stream.
    /// </summary>
    public static byte[] Inflate(ReadOnlySpan<byte> block)
    {
        if (block.Length < 2 || (block[0] & 0x80) == 0)
            throw new FerryException("binlog.protocol", "a compressed binlog event does not start with a compression header");
        var algorithm = (block[0] >> 4) & 0x07;
        if (algorithm != 0)
            throw new FerryException("binlog.protocol", $"a compressed binlog event uses compression algorithm {algorithm}; only zlib (0) is known");
        var lengthBytes = block[0] & 0x07;
        if (lengthBytes is < 1 or > 4 || block.Length < 1 + lengthBytes)
            throw new FerryException("binlog.protocol", $"a compressed binlog event gives {lengthBytes} bytes for its length");
        var length = 0L;
        for (var i = 1; i <= lengthBytes; i++) length = (length << 8) | block[i];
        var output = new byte[length];
        using var input = new MemoryStream(block[(1 + lengthBytes)..].ToArray(), writable: false);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        try
        {
            zlib.ReadExactly(output);
            // more than stated would mean a corrupt header: better an error than a silently cut event
            if (zlib.ReadByte() >= 0) throw new InvalidDataException("the stream holds more");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new FerryException("binlog.protocol", $"a compressed binlog event does not inflate to its stated {length} bytes: {e.Message}", e);
        }
        return output;
    }
}
