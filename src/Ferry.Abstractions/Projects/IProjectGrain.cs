using Ferry.Abstractions.Components;

namespace Ferry.Abstractions.Projects;

/// <summary>The stage machine of one migration or sync project (key: project id).</summary>
[Alias("IProjectGrain")]
public interface IProjectGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<ProjectView> CreateAsync(string tenantId, string createdBy, ProjectSpec spec);
    [Alias("Get")] Task<ProjectView?> GetAsync();
    [Alias("Start")] Task<ProjectActionResult> StartAsync(string who);
    [Alias("Pause")] Task<ProjectActionResult> PauseAsync(string who);
    [Alias("Resume")] Task<ProjectActionResult> ResumeAsync(string who);
    [Alias("Release")] Task<ProjectActionResult> ReleaseAsync(string who);
    [Alias("Delete")] Task<ProjectActionResult> DeleteAsync(string who);
    [Alias("Update")] Task<ProjectActionResult> UpdateAsync(ProjectPatch patch, string who);
    [Alias("GetObjects")] Task<List<TableProgress>> GetObjectsAsync();
    [Alias("GetEvents")] Task<List<ProjectEvent>> GetEventsAsync();
    [Alias("GetComponents")] Task<List<ComponentView>> GetComponentsAsync();
    [Alias("GetDdls")] Task<List<DdlRecord>> GetDdlsAsync();
    /// <summary>Runs verification again (all tables).</summary>
    [Alias("Reverify")] Task<ProjectActionResult> ReverifyAsync(string who);
    /// <summary>Skips the verify stage (or what is left of it).</summary>
    [Alias("SkipVerify")] Task<ProjectActionResult> SkipVerifyAsync(string who);
    /// <summary>Pauses or starts one component (<c>schema</c>, <c>full</c>, <c>verify</c>, <c>forward</c>) of a running project.</summary>
    [Alias("ComponentAction")] Task<ProjectActionResult> ComponentActionAsync(string component, bool start, string who);
    /// <summary>Skips DDL statement <paramref name="n"/> that stopped the writer and resumes past it.</summary>
    [Alias("SkipDdl")] Task<ProjectActionResult> SkipDdlAsync(int n, string who);
    /// <summary>Views and constraints held back (tables are <see cref="GetObjectsAsync"/>).</summary>
    [Alias("GetSchemaObjects")] Task<List<SchemaObject>> GetSchemaObjectsAsync();
    /// <summary>Creates a failed schema object again, with <paramref name="ddl"/> in place of the generated DDL when given.</summary>
    [Alias("RetrySchema")] Task<ProjectActionResult> RetrySchemaAsync(string name, string? ddl, string who);
    /// <summary>Leaves a schema object to the operator (Ferry does not create it) and goes on.</summary>
    [Alias("SkipSchema")] Task<ProjectActionResult> SkipSchemaAsync(string name, string who);
    /// <summary>Takes a schema object out of the project.</summary>
    [Alias("RemoveSchema")] Task<ProjectActionResult> RemoveSchemaAsync(string name, string who);
    /// <summary>Starts forward switchover (the incremental stage must be Running or Monitoring).</summary>
    [Alias("StartSwitchover")] Task<ProjectActionResult> StartSwitchoverAsync(string who);
    /// <summary>The switchover steps; all Pending while switchover has not started.</summary>
    [Alias("GetSwitchover")] Task<List<SwitchoverStep>> GetSwitchoverAsync();
    /// <summary><c>confirm</c>, <c>retry</c> or <c>skip</c> one switchover step; <paramref name="force"/> allows skipping <c>confirmSyncComplete</c>.</summary>
    [Alias("SwitchoverStepAction")] Task<ProjectActionResult> SwitchoverStepAsync(string step, string action, bool force, string who);
    /// <summary>A component's progress, completion or failure.</summary>
    [Alias("Report")] Task ReportAsync(ComponentReport report);
    /// <summary>Re-drive the stage machine (silo start, membership change, reminder).</summary>
    [Alias("Wake")] Task WakeAsync();
}
