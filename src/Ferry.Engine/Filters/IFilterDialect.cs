namespace Ferry.Engine.Filters;

/// <summary>How an engine spells what a row filter contains: quoted identifiers and safe literals.</summary>
public interface IFilterDialect
{
    string Column(string name);

    /// <summary>A string constant that no content can break out of.</summary>
    string String(string value);
}
