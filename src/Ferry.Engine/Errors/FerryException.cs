namespace Ferry.Engine.Errors;

/// <summary>An error with a stable machine-readable code (e.g. <c>datasource.unreachable</c>).</summary>
/// <param name="transient">The cause may go away by itself (a lost connection, a restarting server): retrying from the checkpoint is right.</param>
public class FerryException(string code, string message, Exception? inner = null, bool transient = false) : Exception(message, inner)
{
    public string Code { get; } = code;
    public bool Transient { get; } = transient;
}
