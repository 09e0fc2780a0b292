using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>
/// A replication client on a socket: logs in (handshake v10, TLS when the data source asks for it,
/// mysql_native_password or caching_sha2_password), runs the session statements a dump needs,
/// registers as a replica and streams binlog events.
/// </summary>
public sealed class BinlogClient : IAsyncDisposable
{
    private const uint ClientLongPassword = 0x1, ClientLongFlag = 0x4, ClientProtocol41 = 0x200, ClientSsl = 0x800, ClientTransactions = 0x2000,
        ClientSecureConnection = 0x8000, ClientMultiResults = 0x20000, ClientPluginAuth = 0x80000;
    private const uint BaseCapabilities = ClientLongPassword | ClientLongFlag | ClientProtocol41 | ClientTransactions | ClientSecureConnection
                                          | ClientMultiResults | ClientPluginAuth;
    private const uint MaxPacket = 16u * 1024 * 1024;
    private const byte Utf8mb4GeneralCi = 45;
    private const string NativePasswordName = "mysql_native_password";

    /// <summary>COM_BINLOG_DUMP flag: MariaDB sends ANNOTATE_ROWS events.</summary>
    public const ushort DumpSendAnnotateRows = 0x02;

    private TcpClient? _tcp;
    private PacketChannel? _channel;

    public string ServerVersion { get; private set; } = "";

    public async Task ConnectAsync(string host, int port, string user, string password, TlsSettings tls, CancellationToken ct)
    {
        _tcp = new TcpClient { NoDelay = true, ReceiveBufferSize = 1 << 20 };
        try { await _tcp.ConnectAsync(host, port, ct); }
        catch (SocketException e) { throw new FerryException("binlog.unreachable", $"cannot connect to {host}:{port}: {e.Message}", e, transient: true); }
        _channel = new PacketChannel(new BufferedStream(_tcp.GetStream(), 1 << 16));

        var greeting = await _channel.ReadAsync(ct);
        PacketChannel.ThrowIfError(greeting, "connecting");
        var (nonce, plugin, serverCapabilities) = ParseGreeting(greeting);
        var capabilities = BaseCapabilities;
        if (tls.Mode != TlsMode.Disabled)
        {
            if ((serverCapabilities & ClientSsl) != 0)
            {
                capabilities |= ClientSsl;
                await StartTlsAsync(host, capabilities, tls, ct);
            }
            else if (tls.Mode != TlsMode.Preferred)
                throw new FerryException("binlog.tls-unavailable",
                    $"sslMode is {tls.Mode} but the server at {host}:{port} does not offer TLS (configure ssl_cert/ssl_key on it, or set sslMode to preferred or disabled)");
        }
        IsEncrypted = (capabilities & ClientSsl) != 0;

        // The greeting's method is only the server's default: answer it when we know it, else answer as
        // mysql_native_password and let the server switch us to what the account really uses.
        if (plugin is not (NativePasswordName or CachingSha2Password.Name)) plugin = NativePasswordName;
        if (AnnouncedMethod is { } announced) plugin = announced;
        await _channel.WriteAsync(HandshakeResponse(capabilities, user, AuthResponse(plugin, password, nonce), plugin), ct);
        await AuthenticateAsync(host, port, user, password, plugin, nonce, ct);
    }

    /// <summary>Whether the session runs inside TLS.</summary>
    public bool IsEncrypted { get; private set; }

    /// <summary>The authentication method the login ended with (after any switch the server asked for).</summary>
    public string AuthMethod { get; private set; } = "";

    /// <summary>
    /// Answers the greeting as this method whatever the server proposed, so tests against MariaDB (which
    /// has no caching_sha2_password) can make the server ask for an auth switch.
    /// </summary>
    internal string? AnnouncedMethod { get; init; }

    /// <summary>SSLRequest (the first 32 bytes of a handshake response), then the TLS handshake on the same socket.</summary>
    private async Task StartTlsAsync(string host, uint capabilities, TlsSettings tls, CancellationToken ct)
    {
        var request = new byte[32];
        BitConverter.GetBytes(capabilities).CopyTo(request, 0);
        BitConverter.GetBytes(MaxPacket).CopyTo(request, 4);
        request[8] = Utf8mb4GeneralCi;
        await Channel.WriteAsync(request, ct);

        string? rejected = null;
        var ssl = new SslStream(_tcp!.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => (rejected = tls.Reject(certificate, chain, errors)) is null,
            }, ct);
        }
        catch (AuthenticationException e) when (rejected is not null)
        {
            throw new FerryException("binlog.tls-verify-failed", $"sslMode is {tls.Mode} and {rejected}", e);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            throw new FerryException("binlog.tls-failed", $"the TLS handshake with {host} failed: {e.Message}", e);
        }
        Channel.Upgrade(new BufferedStream(ssl, 1 << 16));
    }

    /// <summary>
    /// Answers the server until it accepts or refuses: auth switches to another method, and
    /// caching_sha2_password's extra round trips (fast-auth result, full authentication, public key).
    /// </summary>
    private async Task AuthenticateAsync(string host, int port, string user, string password, string plugin, byte[] nonce, CancellationToken ct)
    {
        for (var round = 0; round < 8; round++)
        {
            var reply = await Channel.ReadAsync(ct);
            if (reply.Length == 0) throw new FerryException("binlog.protocol", "empty packet while logging in");
            switch (reply[0])
            {
                case 0x00:
                    AuthMethod = plugin;
                    return;
                case 0xFF:
                    if (reply.Length >= 3 && BitConverter.ToUInt16(reply, 1) == 1045)
                        throw new FerryException("binlog.auth-failed",
                            $"the server {host}:{port} rejected user '{user}' with the given password: {ServerText(reply)}");
                    PacketChannel.ThrowIfError(reply, "logging in");
                    return;
                case 0xFE:
                {
                    // Auth switch: the server names the method and sends fresh nonce data.
                    var r = new ByteReader(reply.AsSpan(1));
                    plugin = r.NulString();
                    var data = r.Rest.ToArray();
                    if (data.Length > 0 && data[^1] == 0) data = data[..^1];
                    nonce = data;
                    if (plugin is not (NativePasswordName or CachingSha2Password.Name))
                        throw new FerryException("binlog.auth-unsupported",
                            $"user '{user}' on {host}:{port} authenticates with {plugin}, which Ferry's binlog client does not support " +
                            "(supported: mysql_native_password, caching_sha2_password); give the replication user one of those");
                    await Channel.WriteAsync(AuthResponse(plugin, password, nonce), ct);
                    continue;
                }
                case 0x01 when plugin == CachingSha2Password.Name:
                {
                    var answer = CachingSha2Password.Continue(reply.AsSpan(1), IsEncrypted, password, nonce);
                    if (answer is not null) await Channel.WriteAsync(answer, ct);
                    continue;
                }
                default:
                    throw new FerryException("binlog.protocol", $"unexpected packet 0x{reply[0]:X2} while logging in with {plugin}");
            }
        }
        throw new FerryException("binlog.protocol", "the server kept asking for more authentication data");
    }

    /// <summary>The message of an ERR packet (the server never echoes a password in it).</summary>
    private static string ServerText(byte[] err) =>
        err.Length > 9 && err[3] == (byte)'#' ? Encoding.UTF8.GetString(err, 9, err.Length - 9)
        : err.Length > 3 ? Encoding.UTF8.GetString(err, 3, err.Length - 3) : "";

    private static byte[] AuthResponse(string plugin, string password, byte[] nonce) =>
        plugin == CachingSha2Password.Name ? CachingSha2Password.Scramble(password, nonce) : NativePassword(password, nonce);

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

    /// <summary>MySQL's COM_BINLOG_DUMP_GTID: the log from the first transaction not in <paramref name="executed"/>.</summary>
    public async Task StartDumpByGtidAsync(MySqlGtidSet executed, uint serverId, CancellationToken ct)
    {
        Channel.ResetSequence();
        await Channel.WriteAsync(DumpByGtidCommand(executed, serverId), ct);
    }

    /// <summary>
    /// 0x1e, flags (2: BINLOG_THROUGH_GTID), server id (4), file name length (4) and name (none: the set
    /// decides), position (8: 4), then the encoded set's length (4) and the set.
    /// </summary>
    internal static byte[] DumpByGtidCommand(MySqlGtidSet executed, uint serverId)
    {
        const ushort throughGtid = 0x04;
        var set = executed.Encode();
        var body = new byte[1 + 2 + 4 + 4 + 8 + 4 + set.Length];
        var span = body.AsSpan();
        span[0] = 0x1e;
        BinaryPrimitives.WriteUInt16LittleEndian(span[1..], throughGtid);
        BinaryPrimitives.WriteUInt32LittleEndian(span[3..], serverId);
        BinaryPrimitives.WriteUInt32LittleEndian(span[7..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(span[11..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(span[19..], (uint)set.Length);
        set.CopyTo(span[23..]);
        return body;
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

    private (byte[] Nonce, string Plugin, uint Capabilities) ParseGreeting(byte[] greeting)
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
        var plugin = (capabilities & ClientPluginAuth) != 0 && r.Remaining > 0 ? r.NulString() : NativePasswordName;
        var nonce = part1.Concat(part2.TakeWhile(b => b != 0)).Take(20).ToArray();
        return (nonce, plugin, capabilities);
    }

    private static byte[] HandshakeResponse(uint capabilities, string user, byte[] auth, string plugin)
    {
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(capabilities));
        body.AddRange(BitConverter.GetBytes(MaxPacket));
        body.Add(Utf8mb4GeneralCi);
        body.AddRange(new byte[23]);
        body.AddRange(Encoding.UTF8.GetBytes(user));
        body.Add(0);
        body.Add((byte)auth.Length);
        body.AddRange(auth);
        body.AddRange(Encoding.ASCII.GetBytes(plugin));
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
