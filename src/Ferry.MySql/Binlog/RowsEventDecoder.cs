using Ferry.Engine.Changes;

namespace Ferry.MySql.Binlog;

/// <summary>WRITE/UPDATE/DELETE_ROWS events (v1 and v2) decoded against their TABLE_MAP into row changes.</summary>
internal static class RowsEventDecoder
{
    public static void Decode(EventType type, ReadOnlySpan<byte> body, int postHeaderLength, Func<ulong, TableMap> tables,
        Func<Engine.Schema.TableName, bool> inScope, List<RowChange> into)
    {
        var r = new ByteReader(body);
        var tableId = postHeaderLength == 6 ? r.U32() : r.U48();
        r.Skip(2); // flags
        var v2 = type is EventType.WriteRowsV2 or EventType.UpdateRowsV2 or EventType.DeleteRowsV2;
        if (v2) r.Skip(r.U16() - 2); // extra data, its length counts itself
        var map = tables(tableId);
        if (!inScope(map.Table)) return;
        var count = (int)r.LenEnc();
        var present = r.Bytes((count + 7) / 8).ToArray();
        var isUpdate = type is EventType.UpdateRowsV1 or EventType.UpdateRowsV2;
        var presentAfter = isUpdate ? r.Bytes((count + 7) / 8).ToArray() : present;
        var kind = type switch
        {
            EventType.WriteRowsV1 or EventType.WriteRowsV2 => ChangeKind.Insert,
            EventType.DeleteRowsV1 or EventType.DeleteRowsV2 => ChangeKind.Delete,
            _ => ChangeKind.Update,
        };
        while (r.Remaining > 0)
        {
            var first = Row(ref r, map, present, count);
            switch (kind)
            {
                case ChangeKind.Insert: into.Add(new RowChange(map.Table, kind, null, first)); break;
                case ChangeKind.Delete: into.Add(new RowChange(map.Table, kind, first, null)); break;
                default: into.Add(new RowChange(map.Table, kind, first, Row(ref r, map, presentAfter, count))); break;
            }
        }
    }

    private static object?[] Row(ref ByteReader r, TableMap map, byte[] present, int count)
    {
        var presentCount = 0;
        for (var i = 0; i < count; i++) if (Bit(present, i)) presentCount++;
        var nulls = r.Bytes((presentCount + 7) / 8).ToArray();
        var row = new object?[map.Columns.Length];
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            if (!Bit(present, i)) continue;
            row[i] = Bit(nulls, n++) ? null : ColumnDecoder.Decode(ref r, map.Columns[i]);
        }
        return row;
    }

    private static bool Bit(byte[] bits, int i) => (bits[i / 8] & (1 << (i % 8))) != 0;
}
