namespace Ferry.Engine.Schema;

/// <summary>A view as the source engine stores it.</summary>
/// <param name="Definition">The query, with the engine's own qualified names (the source's, before any rename).</param>
/// <param name="Security"><c>DEFINER</c> or <c>INVOKER</c>.</param>
/// <param name="CheckOption"><c>NONE</c>, <c>LOCAL</c> or <c>CASCADED</c>.</param>
public sealed record ViewSchema(TableName Name, string Definition, string Security = "DEFINER", string CheckOption = "NONE");
