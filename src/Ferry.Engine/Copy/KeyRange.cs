namespace Ferry.Engine.Copy;

/// <summary>
/// A chunk of a table by row key: rows with key &gt; <see cref="After"/> (or from the start when null)
/// and key &lt;= <see cref="UpTo"/> (or to the end when null). Key tuples use <see cref="Changes.RowValues"/> types.
/// </summary>
public sealed record KeyRange(object?[]? After, object?[]? UpTo);
