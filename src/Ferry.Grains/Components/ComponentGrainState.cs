using Ferry.Abstractions.Components;

namespace Ferry.Grains.Components;

[GenerateSerializer, Alias("ComponentGrainState")]
public sealed class ComponentGrainState
{
    [Id(0)] public ComponentSpec? Spec { get; set; }
    /// <summary>What the component should be doing; the pump follows it after any restart.</summary>
    [Id(1)] public ComponentState Desired { get; set; } = ComponentState.Idle;
    [Id(2)] public List<ChunkRecord> Chunks { get; set; } = [];
    [Id(3)] public bool Planned { get; set; }
    [Id(4)] public string? Error { get; set; }
}
