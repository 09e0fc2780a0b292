using Ferry.Engine.Changes;
using Ferry.Engine.Verify;

namespace Ferry.Engine.Tests;

public sealed class ChunkComparisonTests
{
    private static async IAsyncEnumerable<object?[]> Rows(params object?[][] rows)
    {
        foreach (var r in rows) { await Task.Yield(); yield return r; }
    }

    [Fact]
    public async Task Differences_are_classified_by_key_whatever_the_order()
    {
        var source = Rows([1L, "a", 1.5], [2L, "b", null], [3L, "c", 3.0], [4L, "d", 4.0]);
        // Destination has its columns in another order and rows in another order.
        var dest = Rows([4.0, 4L, "d"], [null, 2L, "b"], [3.5, 3L, "c"], [5.0, 5L, "e"]);
        var diff = await ChunkComparison.CompareAsync(source, dest, [0], [0, 1, 2], [1], [1, 2, 0], CancellationToken.None);
        Assert.Equal(4, diff.SourceRows);
        Assert.Equal(4, diff.DestRows);
        Assert.Equal([3L], diff.Mismatched.Select(k => k[0]));
        Assert.Equal([1L], diff.MissingInDest.Select(k => k[0]));
        Assert.Equal([5L], diff.ExtraInDest.Select(k => k[0]));
    }

    [Fact]
    public async Task Tables_without_a_key_compare_as_multisets_of_rows()
    {
        var source = Rows([1L, "x"], [1L, "x"], [2L, null], [3L, "y"]);
        var dest = Rows(["x", 1L], [null, 2L], ["z", 4L], [null, 2L]);
        var diff = await ChunkComparison.CompareRowsAsync(source, dest, [0, 1], [1, 0], CancellationToken.None);
        Assert.Equal(4, diff.SourceRows);
        Assert.Equal(4, diff.DestRows);
        Assert.Equal(["1:x", "3:y"], diff.MissingInDest.Select(r => $"{r[0]}:{r[1]}").Order());
        Assert.Equal(["2:", "4:z"], diff.ExtraInDest.Select(r => $"{r[0]}:{r[1]}").Order());
        Assert.Empty(diff.Mismatched);
    }

    [Fact]
    public void Canonical_forms_distinguish_null_empty_and_types_of_values()
    {
        Assert.NotEqual(RowValues.CanonicalRow([null]), RowValues.CanonicalRow([""]));
        Assert.NotEqual(RowValues.CanonicalRow(["a", "bc"]), RowValues.CanonicalRow(["ab", "c"]));
        Assert.Equal("-838:30:00.000000", RowValues.FormatTime(TimeSpan.FromHours(-838.5)));
        Assert.Equal("0x00FF", RowValues.Canonical(new byte[] { 0, 255 }));
        Assert.Equal("2024-02-29 01:02:03.123456", RowValues.Canonical(new DateTime(2024, 2, 29, 1, 2, 3).AddTicks(1234560)));
    }
}
