using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>
/// A replication client on a plain socket: logs in (handshake v10, mysql_native_password), runs
/// the session statements a dump needs, registers as a replica and streams binlog events.
/// </summary>
public sealed class BinlogClient : IAsyncDisposable
{
    private const uint ClientLongPassword = 0x1, ClientLongFlag = 0x4, ClientProtocol41 = 0x200, ClientTransactions = 0x2000,
        ClientSecureConnection = 0x8000, ClientMultiResults = 0x20000, ClientPluginAuth = 0x80000;

    /// <summary>COM_BINLOG_DUMP flag: MariaDB sends ANNOTATE_ROWS events.</summary>
    public const ushort DumpSendAnnotateRows = 0x02;

    private TcpClient? _tcp;
    private PacketChannel? _channel;

    public string ServerVersion { get; private set; } = "";

    public async Task ConnectAsync(string host, int port, string user, string password, CancellationToken ct)
    {
        _tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 1 << 20 };
        try { await _tcp.ConnectAsync(host, port, ct); }
        catch (SocketException e) { throw new FerryException("binlog.unreachable", $"cannot connect to {host}:{port}: {e.Message}", e, transient: true); }
        _channel = new PacketChannel(new BufferedStream(_tcp.GetStream(), 1 << 16));

        var greeting = await _channel.ReadAsync(ct);
        PacketChannel.ThrowIfError(greeting, "connecting");
        var (scramble, plugin) = ParseGreeting(greeting);
        await _channel.WriteAsync(HandshakeResponse(user, password, scramble), ct);

        var reply = await _channel.ReadAsync(ct);
        if (reply.Length > 0 && reply[0] == 0xFE)
        {
            // Auth switch: the server names the method and sends fresh scramble data.
            var r = new ByteReader(reply.AsSpan(1));
            plugin = r.NulString();
            var data = r.Rest.ToArray();
            if (data.Length > 0 && data[^1] == 0) data = data[..^1];
            if (plugin != "mysql_native_password")
                throw new FerryException("binlog.auth-unsupported", $"the server asks for authentication method {plugin}, which is not supported yet");
            await _channel.WriteAsync(NativePassword(password, data), ct);
            reply = await _channel.ReadAsync(ct);
        }
        if (reply.Length > 0 && reply[0] == 0xFF && BitConverter.ToUInt16(reply, 1) == 1045)
            throw new FerryException("binlog.auth-failed", $"the server rejected user '{user}' with the given password");
        PacketChannel.ThrowIfError(reply, "logging in");
    }

    /// <summary>Runs a statement that returns no rows the caller needs (SET, …); any result set is read and dropped.</summary>
    public async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        var channel = Channel;
        channel.ResetSequence();
        await channel.WriteAsync(Command(0x03, Encoding.UTF8.GetBytes(sql)), ct);
        var first = await channel.ReadAsync(ct);
        PacketChannel.ThrowIfError(first, sql);
        if (first[0] is 0x00 or 0xFE) return;
        // A result set: column definitions up to EOF, rows up to EOF.
        for (var eofs = 0; eofs < 2;)
        {
            var p = await channel.ReadAsync(ct);
            PacketChannel.ThrowIfError(p, sql);
            if (p[0] == 0xFE && p.Length < 9) eofs++;
        }
    }

    public async Task RegisterReplicaAsync(uint serverId, CancellationToken ct)
    {
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(serverId));
        body.Add(0); // host name
        body.Add(0); // user
        body.Add(0); // password
        body.AddRange(BitConverter.GetBytes((ushort)0)); // port
        body.AddRange(BitConverter.GetBytes(0u)); // rank
        body.AddRange(BitConverter.GetBytes(0u)); // master id
        Channel.ResetSequence();
        await Channel.WriteAsync(Command(0x15, [.. body]), ct);
        PacketChannel.ThrowIfError(await Channel.ReadAsync(ct), "registering as a replica");
    }

    /// <summary>Asks for the log from <paramref name="file"/>:<paramref name="position"/>; events then come from <see cref="ReadEventAsync"/>.</summary>
    public async Task StartDumpAsync(string file, uint position, uint serverId, ushort flags, CancellationToken ct)
    {
        var name = Encoding.UTF8.GetBytes(file);
        var body = new byte[10 + name.Length];
        BitConverter.GetBytes(position).CopyTo(body, 0);
        BitConverter.GetBytes(flags).CopyTo(body, 4);
        BitConverter.GetBytes(serverId).CopyTo(body, 6);
        name.CopyTo(body, 10);
        Channel.ResetSequence();
        await Channel.WriteAsync(Command(0x12, body), ct);
    }

    /// <summary>The next event (header included, without the OK byte), or null when the server ends the stream.</summary>
    public async Task<byte[]?> ReadEventAsync(CancellationToken ct)
    {
        var p = await Channel.ReadAsync(ct);
        if (p.Length == 0) return null;
        PacketChannel.ThrowIfError(p, "reading the binlog");
        if (p[0] == 0xFE && p.Length < 9) return null;
        return p[0] == 0x00 ? p[1..] : throw new FerryException("binlog.protocol", $"unexpected packet 0x{p[0]:X2} in the binlog stream");
    }

    public ValueTask DisposeAsync()
    {
        _tcp?.Dispose();
        return ValueTask.CompletedTask;
    }

    private PacketChannel Channel => _channel ?? throw new InvalidOperationException("not connected");

    private static byte[] Command(byte command, byte[] body)
    {
        var packet = new byte[1 + body.Length];
        packet[0] = command;
        body.CopyTo(packet, 1);
        return packet;
    }

    private (byte[] Scramble, string Plugin) ParseGreeting(byte[] greeting)
    {
        var r = new ByteReader(greeting);
        var protocol = r.U8();
        if (protocol != 10) throw new FerryException("binlog.protocol", $"unsupported protocol version {protocol}");
        ServerVersion = r.NulString();
        if (ServerVersion.StartsWith("5.5.5-", StringComparison.Ordinal)) ServerVersion = ServerVersion[6..];
        r.Skip(4); // connection id
        var part1 = r.Bytes(8).ToArray();
        r.Skip(1);
        var capabilities = (uint)r.U16();
        r.Skip(1 + 2); // charset, status
        capabilities |= (uint)r.U16() << 16;
        var authLength = r.U8();
        r.Skip(10);
        var part2Length = Math.Max(13, authLength - 8);
        var part2 = r.Bytes(Math.Min(part2Length, r.Remaining)).ToArray();
        var plugin = (capabilities & ClientPluginAuth) != 0 && r.Remaining > 0 ? r.NulString() : "mysql_native_password";
        var scramble = part1.Concat(part2.TakeWhile(b => b != 0)).Take(20).ToArray();
        return (scramble, plugin);
    }

    private static byte[] HandshakeResponse(string user, string password, byte[] scramble)
    {
        var caps = ClientLongPassword | ClientLongFlag | ClientProtocol41 | ClientTransactions | ClientSecureConnection
                   | ClientMultiResults | ClientPluginAuth;
        var auth = NativePassword(password, scramble);
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(caps));
        body.AddRange(BitConverter.GetBytes(16u * 1024 * 1024));
        body.Add(45); // utf8mb4_general_ci
        body.AddRange(new byte[23]);
        body.AddRange(Encoding.UTF8.GetBytes(user));
        body.Add(0);
        body.Add((byte)auth.Length);
        body.AddRange(auth);
        body.AddRange(Encoding.ASCII.GetBytes("mysql_native_password"));
        body.Add(0);
        return [.. body];
    }

    /// <summary>SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))); empty for an empty password.</summary>
    internal static byte[] NativePassword(string password, byte[] scramble)
    {
        if (password.Length == 0) return [];
        var stage1 = SHA1.HashData(Encoding.UTF8.GetBytes(password));
        var stage2 = SHA1.HashData(stage1);
        var salted = SHA1.HashData([.. scramble, .. stage2]);
        for (var i = 0; i < salted.Length; i++) salted[i] ^= stage1[i];
        return salted;
    }
}
