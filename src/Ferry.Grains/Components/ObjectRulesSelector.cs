using Ferry.Abstractions.Projects;
using Ferry.Engine.Objects;

namespace Ferry.Grains.Components;

public static class ObjectRulesSelector
{
    /// <summary>The engine's selector for a project's object rules.</summary>
    public static ObjectSelector ToSelector(this ObjectRules rules) => new(
        rules.Include.Select(p => new ObjectFilter(p.Database, p.Tables)).ToList(),
        rules.Exclude.Select(p => new ObjectFilter(p.Database, p.Tables)).ToList(),
        rules.Rename, rules.Filters, rules.Columns);
}
