namespace Ferry.Engine.Errors;

/// <summary>An error with a stable machine-readable code (e.g. <c>datasource.unreachable</c>).</summary>
public class FerryException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
