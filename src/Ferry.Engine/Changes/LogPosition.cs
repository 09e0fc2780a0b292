namespace Ferry.Engine.Changes;

/// <summary>
/// A place in a source's change log, opaque outside its connector: for MySQL/MariaDB
/// <c>file:offset</c> (optionally followed by <c>|gtid-set</c>), for PostgreSQL an LSN.
/// It always points at the start of the next event to read, so resuming from it neither
/// repeats nor skips a transaction.
/// </summary>
public readonly record struct LogPosition(string Value)
{
    public static readonly LogPosition None = new(string.Empty);
    public bool IsNone => string.IsNullOrEmpty(Value);
    public override string ToString() => Value;
}
