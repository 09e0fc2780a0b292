namespace Ferry.Engine.Mapping;

/// <summary>A column's type on the other engine, and what the move cannot keep (null: nothing is lost).</summary>
public sealed record MappedType(string Type, string? Loss = null)
{
    public bool Lossless => Loss is null;
}
