using System.Buffers.Binary;
using System.Text;

namespace Ferry.MySql.Binlog;

/// <summary>A cursor over a binlog event or protocol packet (little-endian unless said otherwise).</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    public int Position;

    public readonly int Remaining => _data.Length - Position;
    public readonly ReadOnlySpan<byte> Rest => _data[Position..];

    public byte U8() => _data[Position++];
    public ushort U16() { var v = BinaryPrimitives.ReadUInt16LittleEndian(_data[Position..]); Position += 2; return v; }
    public uint U24() { var v = (uint)(_data[Position] | _data[Position + 1] << 8 | _data[Position + 2] << 16); Position += 3; return v; }
    public uint U32() { var v = BinaryPrimitives.ReadUInt32LittleEndian(_data[Position..]); Position += 4; return v; }
    public ulong U48() { var v = (ulong)U32() | (ulong)U16() << 32; return v; }
    public ulong U64() { var v = BinaryPrimitives.ReadUInt64LittleEndian(_data[Position..]); Position += 8; return v; }

    /// <summary>Little-endian unsigned of 1..8 bytes.</summary>
    public ulong UInt(int bytes)
    {
        ulong v = 0;
        for (var i = 0; i < bytes; i++) v |= (ulong)_data[Position + i] << (8 * i);
        Position += bytes;
        return v;
    }

    /// <summary>Big-endian unsigned of 1..8 bytes.</summary>
    public ulong UIntBE(int bytes)
    {
        ulong v = 0;
        for (var i = 0; i < bytes; i++) v = (v << 8) | _data[Position + i];
        Position += bytes;
        return v;
    }

    public ReadOnlySpan<byte> Bytes(int n) { var s = _data.Slice(Position, n); Position += n; return s; }
    public void Skip(int n) => Position += n;

    /// <summary>Length-encoded integer.</summary>
    public ulong LenEnc()
    {
        var first = U8();
        return first switch
        {
            < 0xFB => first,
            0xFC => U16(),
            0xFD => U24(),
            0xFE => U64(),
            _ => 0,
        };
    }

    public string LenEncString() => Encoding.UTF8.GetString(Bytes((int)LenEnc()));

    public string NulString()
    {
        var end = _data[Position..].IndexOf((byte)0);
        if (end < 0) end = Remaining;
        var s = Encoding.UTF8.GetString(_data.Slice(Position, end));
        Position += Math.Min(end + 1, Remaining + 0);
        return s;
    }
}
