namespace Ferry.Engine.Filters;

/// <summary>A node of a parsed row filter: a small, engine-neutral subset of SQL boolean expressions.</summary>
public abstract record FilterNode;

/// <summary>A column of the filtered table, by name.</summary>
public sealed record ColumnRef(string Name) : FilterNode;

/// <summary>A constant: a number (kept as the exact text written), a string, NULL, TRUE or FALSE.</summary>
public sealed record FilterLiteral(FilterLiteralKind Kind, string Text) : FilterNode
{
    public static readonly FilterLiteral Null = new(FilterLiteralKind.Null, "NULL");
}

public enum FilterLiteralKind { Number, String, Null, True, False }

/// <summary><c>a AND b</c>, <c>a OR b</c>.</summary>
public sealed record Logical(bool IsAnd, FilterNode Left, FilterNode Right) : FilterNode;

public sealed record Not(FilterNode Operand) : FilterNode;

/// <summary><c>a = b</c>, <c>&lt;&gt;</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>.</summary>
public sealed record Comparison(string Operator, FilterNode Left, FilterNode Right) : FilterNode;

public sealed record IsNull(FilterNode Operand, bool Negated) : FilterNode;

public sealed record InList(FilterNode Operand, IReadOnlyList<FilterLiteral> Values, bool Negated) : FilterNode;

public sealed record Between(FilterNode Operand, FilterNode Low, FilterNode High, bool Negated) : FilterNode;

public sealed record Like(FilterNode Operand, FilterLiteral Pattern, bool Negated) : FilterNode;
