using Ferry.Abstractions.Projects;
using Ferry.Api.Problems;
using Ferry.Engine.Filters;

namespace Ferry.Api.Endpoints;

/// <summary>Checks a project request field by field, naming every problem at once.</summary>
public static class ProjectValidation
{
    /// <summary>Filters and column subsets are keyed by one source table: <c>database.table</c>, no wildcards.</summary>
    private static string? TableKeyProblem(string key)
    {
        var parts = key.Split('.');
        if (parts.Length != 2 || parts.Any(string.IsNullOrWhiteSpace)) return "the key must be 'database.table' of a source table";
        if (key.Contains('*') || key.Contains('?')) return "the key names one table: wildcards are not allowed here";
        return null;
    }

    public static ValidationErrors Validate(ProjectRequest r)
    {
        var e = new ValidationErrors();
        e.Require("name", r.Name);
        if (r.Name is { Length: > 200 }) e.Add("name", "name is longer than 200 characters");
        var kind = r.Kind ?? "migration";
        if (kind is not ("migration" or "sync")) e.Add("kind", "kind must be 'migration' or 'sync'");
        else if (kind == "sync") e.Add("kind", "sync projects (to Kafka) are not supported yet");
        e.Require("sourceId", r.SourceId);
        e.Require("destinationId", r.DestinationId);
        if (r.SourceId is not null && r.SourceId == r.DestinationId) e.Add("destinationId", "destination must differ from the source");

        var stages = r.Stages ?? [];
        if (stages.Count == 0) e.Add("stages", "stages is required: an ordered subset of schema, full, incremental, verify, reverse");
        foreach (var s in stages.Where(s => !StageNames.Ordered.Contains(s)))
            e.Add("stages", $"unknown stage '{s}'");
        if (stages.Distinct().Count() != stages.Count) e.Add("stages", "a stage is listed twice");
        var known = stages.Where(StageNames.Ordered.Contains).ToList();
        if (!known.SequenceEqual(known.OrderBy(s => StageNames.Ordered.ToList().IndexOf(s))))
            e.Add("stages", "stages must be in the order schema, full, incremental, verify, reverse");
        if (stages.Contains(StageNames.Reverse))
            e.Add("stages", stages.Contains(StageNames.Incremental) ? "the reverse stage is not supported yet" : "reverse needs incremental");

        var o = r.Objects;
        if (o is null || o.Include.Count == 0) e.Add("objects.include", "objects.include must name at least one database");
        if (o is not null)
        {
            for (var i = 0; i < o.Include.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(o.Include[i].Database)) e.Add($"objects.include[{i}].database", "database is required");
                if (o.Include[i].Tables is null || o.Include[i].Tables.Count == 0) e.Add($"objects.include[{i}].tables", "tables must name at least one pattern (\"*\" for all)");
            }
            for (var i = 0; i < o.Exclude.Count; i++)
                if (string.IsNullOrWhiteSpace(o.Exclude[i].Database)) e.Add($"objects.exclude[{i}].database", "database is required");
            foreach (var (from, to) in o.Rename)
            {
                if (string.IsNullOrWhiteSpace(to) || to.Split('.').Length > 2 || to.Split('.').Any(string.IsNullOrWhiteSpace))
                    e.Add($"objects.rename.{from}", "a rename target is 'database' or 'database.table'");
                if (from.Split('.').Length > 2) e.Add($"objects.rename.{from}", "a rename source is 'database' or 'database.table'");
            }
            foreach (var (table, filter) in o.Filters)
            {
                if (TableKeyProblem(table) is { } bad) e.Add($"objects.filters.{table}", bad);
                else if (filter is null) e.Add($"objects.filters.{table}", "the filter is empty");
                else if (RowFilter.Validate(filter) is { } why) e.Add($"objects.filters.{table}", why);
            }
            foreach (var (table, columns) in o.Columns)
            {
                if (TableKeyProblem(table) is { } bad) e.Add($"objects.columns.{table}", bad);
                else if (columns is null || columns.Count == 0) e.Add($"objects.columns.{table}", "name at least one column (leave the table out of objects.columns to move all of them)");
                else if (columns.Any(string.IsNullOrWhiteSpace)) e.Add($"objects.columns.{table}", "a column name is empty");
                else if (columns.Distinct(StringComparer.OrdinalIgnoreCase).Count() != columns.Count) e.Add($"objects.columns.{table}", "a column is listed twice");
            }
        }

        var opt = r.Options;
        if (opt is not null)
        {
            if (opt.FullConcurrency is < 1 or > 64) e.Add("options.fullConcurrency", "must be between 1 and 64");
            if (opt.VerifyConcurrency is < 1 or > 64) e.Add("options.verifyConcurrency", "must be between 1 and 64");
            if (opt.LatencyThresholdSeconds is <= 0 or > 86400) e.Add("options.latencyThresholdSeconds", "must be above 0 and at most 86400");
            if (opt.AlertLevel is not ("low" or "medium" or "high")) e.Add("options.alertLevel", "must be low, medium or high");
        }
        return e;
    }
}
