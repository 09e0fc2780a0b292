namespace Ferry.Engine.Schema;

/// <summary>
/// A constraint of a source table that the destination gets only after the data is in: a foreign key
/// (chunks load in parallel and changes replay in log order, so parents and children are not always
/// both there) or a CHECK.
/// </summary>
/// <param name="Name">The constraint's name.</param>
/// <param name="Kind"><c>foreignKey</c> or <c>check</c>.</param>
/// <param name="Ddl">The statement that adds it to the destination table, names already mapped (with <paramref name="Error"/>: the source's own definition).</param>
/// <param name="Error">Why Ferry could not write it for this destination (a condition in another engine's dialect it cannot translate safely): the object is reported Failed, for the operator's own DDL.</param>
public sealed record DeferredConstraint(string Name, string Kind, string Ddl, string? Error = null);
