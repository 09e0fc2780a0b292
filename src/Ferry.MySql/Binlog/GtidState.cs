using System.Globalization;
using Ferry.Engine.Errors;

namespace Ferry.MySql.Binlog;

/// <summary>A MariaDB GTID position: the last transaction seen per replication domain (<c>domain-server-sequence</c>, comma-separated).</summary>
public sealed class GtidState
{
    private readonly SortedDictionary<uint, (uint Server, ulong Sequence)> _domains = [];

    public bool IsEmpty => _domains.Count == 0;

    public static GtidState Parse(string? text)
    {
        var state = new GtidState();
        if (string.IsNullOrWhiteSpace(text)) return state;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = part.Split('-');
            if (f.Length != 3 || !uint.TryParse(f[0], CultureInfo.InvariantCulture, out var d) ||
                !uint.TryParse(f[1], CultureInfo.InvariantCulture, out var s) || !ulong.TryParse(f[2], CultureInfo.InvariantCulture, out var n))
                throw new FerryException("binlog.position-invalid", $"'{text}' is not a MariaDB GTID position (domain-server-sequence)");
            state._domains[d] = (s, n);
        }
        return state;
    }

    public void Apply(uint domain, uint server, ulong sequence) => _domains[domain] = (server, sequence);

    public override string ToString() =>
        string.Join(",", _domains.Select(d => $"{d.Key}-{d.Value.Server}-{d.Value.Sequence}"));
}
