using Ferry.Engine.Copy;

namespace Ferry.Engine.Connections;

/// <summary>
/// A destination that can take a chunk straight from a source of its own engine, in the engines' own bulk
/// format, without decoding rows into values and encoding them again. Offered by <see cref="Loader.FullCopier"/>
/// only for a chunk whose target table is fed by this one source table alone and whose mapping has no row
/// filter: the destination may then replace everything in the chunk's key range (so a redone chunk converges
/// to the source's rows of that range, neither doubled nor lost).
/// </summary>
public interface IPassThroughDestination
{
    /// <summary>
    /// Copies the rows of <paramref name="range"/> of <paramref name="mapping"/> from <paramref name="source"/> in one
    /// destination transaction that first removes the range's rows from the target, and returns how many it copied;
    /// null when this chunk cannot go that way (another engine, types that would not survive), and then nothing was written.
    /// </summary>
    Task<long?> TryCopyChunkAsync(ISnapshotSource source, TableMapping mapping, Copy.KeyRange range, CancellationToken ct);
}
