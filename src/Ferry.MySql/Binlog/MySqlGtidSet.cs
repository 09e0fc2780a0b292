using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>
/// A MySQL GTID set (<c>uuid:1-5:7-9,uuid2:1-3</c>): for each source server UUID, the transaction
/// numbers executed, as closed intervals kept sorted and merged. Unlike MariaDB's position (the last
/// transaction per domain) it names every transaction, so holes are allowed and survive a round trip.
/// </summary>
public sealed partial class MySqlGtidSet
{
    // UUID text (lowercase, with dashes) → sorted, disjoint, non-adjacent closed intervals
    private readonly SortedDictionary<string, List<(long Start, long End)>> _sets = new(StringComparer.Ordinal);

    public bool IsEmpty => _sets.Count == 0;

    public static MySqlGtidSet Parse(string? text)
    {
        var set = new MySqlGtidSet();
        if (string.IsNullOrWhiteSpace(text)) return set;
        // @@gtid_executed separates entries with ",\n"
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(':', StringSplitOptions.TrimEntries);
            var uuid = CanonicalUuid(parts[0]) ?? throw Invalid(text, $"'{parts[0]}' is not a server UUID");
            if (parts.Length < 2) throw Invalid(text, $"'{entry}' has no transaction numbers");
            foreach (var interval in parts.Skip(1))
            {
                if (TagPattern().IsMatch(interval))
                    throw new FerryException("binlog.position-invalid",
                        $"'{entry}' carries a GTID tag ('{interval}', MySQL 8.3+), which Ferry does not track yet");
                var bounds = interval.Split('-');
                if (bounds.Length > 2 || !long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                    || !long.TryParse(bounds[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var end) || start < 1 || end < start)
                    throw Invalid(text, $"'{interval}' is not a transaction number or range n-m with 1 <= n <= m");
                set.AddRange(uuid, start, end);
            }
        }
        return set;
    }

    /// <summary>Adds one transaction (as a GTID event names it) to the set.</summary>
    public void Add(ReadOnlySpan<byte> sid, long gno) => AddRange(UuidText(sid), gno, gno);

    public void Add(string uuid, long gno) =>
        AddRange(CanonicalUuid(uuid) ?? throw new ArgumentException($"'{uuid}' is not a UUID", nameof(uuid)), gno, gno);

    /// <summary>Adds every transaction of <paramref name="other"/>.</summary>
    public void UnionWith(MySqlGtidSet other)
    {
        foreach (var (uuid, intervals) in other._sets)
            foreach (var (start, end) in intervals) AddRange(uuid, start, end);
    }

    public bool Contains(string uuid, long gno) =>
        CanonicalUuid(uuid) is { } u && _sets.TryGetValue(u, out var intervals) && intervals.Any(i => i.Start <= gno && gno <= i.End);

    public MySqlGtidSet Clone()
    {
        var copy = new MySqlGtidSet();
        copy.UnionWith(this);
        return copy;
    }

    public override string ToString() => string.Join(",", _sets.Select(s =>
        s.Key + string.Concat(s.Value.Select(i => i.Start == i.End
            ? ":" + i.Start.ToString(CultureInfo.InvariantCulture)
            : ":" + i.Start.ToString(CultureInfo.InvariantCulture) + "-" + i.End.ToString(CultureInfo.InvariantCulture)))));

    /// <summary>
    /// The binary form COM_BINLOG_DUMP_GTID and PREVIOUS_GTIDS use: 8-byte count of UUIDs; per UUID its 16
    /// bytes, an 8-byte count of intervals, and each interval as 8-byte start and 8-byte end, the end
    /// exclusive; all little-endian.
    /// </summary>
    public byte[] Encode()
    {
        var length = 8 + _sets.Sum(s => 16 + 8 + 16 * s.Value.Count);
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)_sets.Count);
        var at = 8;
        foreach (var (uuid, intervals) in _sets)
        {
            Convert.FromHexString(uuid.Replace("-", "", StringComparison.Ordinal)).CopyTo(span[at..]);
            at += 16;
            BinaryPrimitives.WriteUInt64LittleEndian(span[at..], (ulong)intervals.Count);
            at += 8;
            foreach (var (start, end) in intervals)
            {
                BinaryPrimitives.WriteInt64LittleEndian(span[at..], start);
                BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], end + 1);
                at += 16;
            }
        }
        return bytes;
    }

    /// <summary>Reads the binary form (see <see cref="Encode"/>), e.g. the body of a PREVIOUS_GTIDS event.</summary>
    public static MySqlGtidSet Decode(ReadOnlySpan<byte> data)
    {
        var set = new MySqlGtidSet();
        if (data.Length < 8) throw Malformed("shorter than its count");
        var header = BinaryPrimitives.ReadUInt64LittleEndian(data);
        // MySQL 8.3+ marks a set with tags by a format byte in the top bits; those entries are laid out differently.
        if (header >> 56 != 0) throw new FerryException("binlog.protocol", "a GTID set in the tagged format (MySQL 8.3+) is not supported yet");
        var at = 8;
        for (ulong s = 0; s < header; s++)
        {
            if (data.Length < at + 24) throw Malformed("cut inside a UUID entry");
            var uuid = UuidText(data.Slice(at, 16));
            var count = BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 16)..]);
            at += 24;
            for (ulong i = 0; i < count; i++)
            {
                if (data.Length < at + 16) throw Malformed("cut inside an interval");
                var start = BinaryPrimitives.ReadInt64LittleEndian(data[at..]);
                var end = BinaryPrimitives.ReadInt64LittleEndian(data[(at + 8)..]);
                if (start < 1 || end <= start) throw Malformed($"interval [{start}, {end}) is empty or negative");
                set.AddRange(uuid, start, end - 1);
                at += 16;
            }
        }
        return set;
    }

    private void AddRange(string uuid, long start, long end)
    {
        if (!_sets.TryGetValue(uuid, out var intervals)) _sets[uuid] = intervals = [];
        // Insert, then merge every interval that overlaps or touches the new one.
        var i = 0;
        while (i < intervals.Count && intervals[i].End < start - 1) i++;
        var j = i;
        while (j < intervals.Count && intervals[j].Start <= end + 1)
        {
            start = Math.Min(start, intervals[j].Start);
            end = Math.Max(end, intervals[j].End);
            j++;
        }
        intervals.RemoveRange(i, j - i);
        intervals.Insert(i, (start, end));
    }

    private static string UuidText(ReadOnlySpan<byte> sid)
    {
        if (sid.Length != 16) throw Malformed("a server UUID is not 16 bytes");
        var hex = Convert.ToHexString(sid).ToLowerInvariant();
        return new StringBuilder(36).Append(hex, 0, 8).Append('-').Append(hex, 8, 4).Append('-').Append(hex, 12, 4)
            .Append('-').Append(hex, 16, 4).Append('-').Append(hex, 20, 12).ToString();
    }

    /// <summary>The UUID in lowercase 8-4-4-4-12 form, or null when it is not one (32 bare hex digits are accepted too).</summary>
    private static string? CanonicalUuid(string text)
    {
        var hex = text.Trim().Replace("-", "", StringComparison.Ordinal);
        if (hex.Length != 32 || !hex.All(Uri.IsHexDigit)) return null;
        if (text.Trim().Contains('-') && !UuidPattern().IsMatch(text.Trim())) return null;
        return UuidText(Convert.FromHexString(hex));
    }

    private static FerryException Invalid(string text, string why) =>
        new("binlog.position-invalid", $"'{text}' is not a MySQL GTID set (uuid:1-5:7,uuid2:1-3): {why}");

    private static FerryException Malformed(string why) => new("binlog.protocol", $"a binary GTID set is malformed: {why}");

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    private static partial Regex UuidPattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]{0,31}$")]
    private static partial Regex TagPattern();
}
