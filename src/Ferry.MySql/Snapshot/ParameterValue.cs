namespace Ferry.MySql.Snapshot;

/// <summary>RowValues as MySqlConnector parameters; TIMESTAMP values are UTC and the session is UTC.</summary>
internal static class ParameterValue
{
    public static object Of(object? value) => value switch
    {
        null => DBNull.Value,
        DateTime { Kind: DateTimeKind.Utc } d => DateTime.SpecifyKind(d, DateTimeKind.Unspecified),
        _ => value,
    };
}
