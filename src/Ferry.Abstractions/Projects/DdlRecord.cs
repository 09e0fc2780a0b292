namespace Ferry.Abstractions.Projects;

/// <summary>A DDL statement that stopped the writer (<c>GET /projects/{id}/ddl</c>).</summary>
[GenerateSerializer, Alias("DdlRecord")]
public sealed class DdlRecord
{
    [Id(0)] public int N { get; set; }
    [Id(1)] public string Database { get; set; } = "";
    [Id(2)] public string Statement { get; set; } = "";
    /// <summary>The checkpoint right before the statement.</summary>
    [Id(3)] public string Before { get; set; } = "";
    /// <summary>Where the writer continues when the statement is skipped.</summary>
    [Id(4)] public string After { get; set; } = "";
    /// <summary><c>Blocking</c>, <c>Skipped</c>, or <c>Passed</c> (the writer applied it after all, e.g. once an integration copied the table it brings in).</summary>
    [Id(5)] public string Status { get; set; } = "Blocking";
    [Id(6)] public DateTimeOffset At { get; set; }
    [Id(7)] public string? SkippedBy { get; set; }
}
