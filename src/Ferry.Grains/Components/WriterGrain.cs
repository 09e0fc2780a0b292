using Ferry.Abstractions.Components;
using Ferry.Abstractions.Projects;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Syncer;
using Ferry.Grains.Connectors;
using Microsoft.Extensions.Logging;

namespace Ferry.Grains.Components;

/// <summary>
/// Applies the source's changes to the destination (key <c>{projectId}/{direction}</c>). The log
/// reader runs inside the same pump, so change batches never cross grain calls; the starting
/// position comes from the store grain, the resume position from the destination's checkpoint.
/// </summary>
public sealed class WriterGrain(
    [PersistentState("writer", "ferry")] IPersistentState<ComponentGrainState> state,
    ConnectorCatalog catalog,
    ILogger<WriterGrain> logger) : ComponentGrain(state, catalog, logger), IWriterGrain
{
    protected override string Kind => "writer";

    protected override async Task RunAsync(ComponentSpec spec, CancellationToken ct)
    {
        var src = Catalog.Open(spec.Source);
        var dst = Catalog.Open(spec.Destination);
        var source = Catalog.For(src.Kind).OpenSnapshotSource(src);
        var changes = Catalog.For(src.Kind).OpenChangeSource(src, Id, spec.Tables.Select(t => new Engine.Schema.TableName(t.Database, t.Table)).ToList());
        var destination = Catalog.For(dst.Kind).OpenDestination(dst, src.Kind);
        var mappings = await TableMappings.ReadAsync(source, spec.Tables, spec.Objects, ct);
        (LogPosition, LogPosition)? skip = spec is { SkipFrom: { } from, SkipTo: { } to } ? (new LogPosition(from), new LogPosition(to)) : null;
        var applier = new ChangeApplier(changes, destination, mappings, Id, new LogPosition(spec.StartPosition ?? ""), skip,
            schemas: Catalog.For(dst.Kind).OpenDestinationReader(dst), selector: spec.Objects?.ToSelector(), sourceRows: source)
        {
            CrossEngine = src.Kind.IsMySqlFamily() != dst.Kind.IsMySqlFamily(),
        };
        await applier.RunAsync(p => ReportAsync(spec, new ComponentReport
        {
            State = ComponentState.Running,
            // Tables created while streaming join the project's object list.
            Tables = applier.Tables.Select(t => new TableProgress
            {
                Database = t.Source.Name.Database, Table = t.Source.Name.Table,
                DestDatabase = t.Target.Database, DestTable = t.Target.Table,
                Schema = StageStatus.Completed, Full = StageStatus.Skipped, Incremental = StageStatus.Running,
            }).ToList(),
            Departed = applier.Departures.Select(d => new DepartedTable
            {
                Database = d.Table.Database, Table = d.Table.Table, Reason = d.Reason, Left = d.Left,
            }).ToList(),
            LatencySeconds = Math.Round(p.LatencySeconds, 3),
            CheckpointPosition = p.Checkpoint.Value,
            CheckpointTimestamp = p.CheckpointTimestamp,
            Inserted = p.Inserted, Updated = p.Updated, Deleted = p.Deleted, Ddl = p.Ddl,
            Rps = Math.Round(p.RowsPerSecond, 1),
        }), ct);
    }
}
