using Ferry.Engine.Copy;

namespace Ferry.Engine.Loader;

/// <summary>One chunk of the full copy: which table (index into the table list), its key range, and whether it is done.</summary>
public sealed record ChunkTask(int Table, KeyRange Range, bool Done = false, long Rows = 0);
