using System.Buffers.Binary;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>
/// MySQL protocol framing over a stream: 3-byte length, 1-byte sequence, payload. A payload of
/// exactly 0xFFFFFF bytes continues in the next packet; those parts are joined here.
/// </summary>
internal sealed class PacketChannel(Stream stream)
{
    private const int MaxPart = 0xFFFFFF;
    private readonly byte[] _header = new byte[4];
    private byte _sequence;

    /// <summary>Carries on over another stream (TLS over the same socket); the sequence continues across the switch.</summary>
    public void Upgrade(Stream upgraded) => stream = upgraded;

    public void ResetSequence() => _sequence = 0;

    public async Task<byte[]> ReadAsync(CancellationToken ct)
    {
        byte[]? joined = null;
        while (true)
        {
            await stream.ReadExactlyAsync(_header, ct);
            var length = _header[0] | (_header[1] << 8) | (_header[2] << 16);
            _sequence = (byte)(_header[3] + 1);
            var part = new byte[length];
            await stream.ReadExactlyAsync(part, ct);
            if (joined is null) joined = part;
            else
            {
                var all = new byte[joined.Length + part.Length];
                joined.CopyTo(all, 0);
                part.CopyTo(all, joined.Length);
                joined = all;
            }
            if (length < MaxPart) return joined;
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var offset = 0;
        do
        {
            var length = Math.Min(MaxPart, payload.Length - offset);
            var packet = new byte[4 + length];
            packet[0] = (byte)length;
            packet[1] = (byte)(length >> 8);
            packet[2] = (byte)(length >> 16);
            packet[3] = _sequence++;
            payload.Slice(offset, length).CopyTo(packet.AsMemory(4));
            await stream.WriteAsync(packet, ct);
            offset += length;
            if (length < MaxPart) break;
        } while (true);
        await stream.FlushAsync(ct);
    }

    /// <summary>Throws the server's error if <paramref name="packet"/> is an ERR packet.</summary>
    public static void ThrowIfError(byte[] packet, string during)
    {
        if (packet.Length == 0 || packet[0] != 0xFF) return;
        var code = BinaryPrimitives.ReadUInt16LittleEndian(packet.AsSpan(1));
        var text = packet.Length > 3 && packet[3] == (byte)'#' ? System.Text.Encoding.UTF8.GetString(packet, 9, packet.Length - 9)
                                                                : System.Text.Encoding.UTF8.GetString(packet, 3, packet.Length - 3);
        var ferryCode = code switch
        {
            1045 => "binlog.auth-failed",
            1236 => "binlog.position-invalid",
            1053 or 1317 or 1927 => "binlog.connection-lost",
            _ => "binlog.error",
        };
        // Shutdown in progress, query interrupted, connection killed: the server or an operator
        // ended the session, not a problem with the stream itself.
        throw new FerryException(ferryCode, $"{during}: server error {code}: {text}", transient: code is 1053 or 1317 or 1927);
    }
}
