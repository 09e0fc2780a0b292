using Ferry.Engine.Schema;

namespace Ferry.Engine.Syncer;

/// <summary>A table the writer followed and no longer does under this name.</summary>
/// <param name="RenamedTo">The source name it is followed under now, when it was renamed to a name the object rules select.</param>
/// <param name="Left">Still on the source but out of the project (renamed to a name the rules do not select): no longer synchronized.</param>
public sealed record TableDeparture(TableName Table, string Reason, TableName? RenamedTo = null, bool Left = false);
