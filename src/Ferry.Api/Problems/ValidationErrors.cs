namespace Ferry.Api.Problems;

/// <summary>Collects every invalid field of a request, so one answer names them all.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var l)) _errors[field] = l = [];
        l.Add(message);
    }

    public void Require(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, $"{field} is required");
    }

    public bool Any => _errors.Count > 0;

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
