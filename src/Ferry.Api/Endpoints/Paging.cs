using System.Globalization;

namespace Ferry.Api.Endpoints;

/// <summary><c>?limit=&amp;cursor=</c> over an ordered list; the cursor is the offset of the next item.</summary>
public static class Paging
{
    public static Page<T> Apply<T>(IReadOnlyList<T> all, int? limit, string? cursor)
    {
        var size = Math.Clamp(limit ?? 100, 1, 1000);
        var start = int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? Math.Clamp(c, 0, all.Count) : 0;
        var items = all.Skip(start).Take(size).ToList();
        var next = start + items.Count < all.Count ? (start + items.Count).ToString(CultureInfo.InvariantCulture) : null;
        return new Page<T>(items, next);
    }
}
