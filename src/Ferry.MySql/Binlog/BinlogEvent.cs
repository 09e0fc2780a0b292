namespace Ferry.MySql.Binlog;

/// <summary>Event type codes this client acts on.</summary>
internal enum EventType : byte
{
    Query = 2,
    Rotate = 4,
    FormatDescription = 15,
    Xid = 16,
    TableMap = 19,
    WriteRowsV1 = 23,
    UpdateRowsV1 = 24,
    DeleteRowsV1 = 25,
    Heartbeat = 27,
    WriteRowsV2 = 30,
    UpdateRowsV2 = 31,
    DeleteRowsV2 = 32,
    MySqlGtid = 33,
    MySqlAnonymousGtid = 34,
    MySqlPreviousGtids = 35,
    MySqlPartialUpdateRows = 39,
    MySqlTransactionPayload = 40,
    MariaDbAnnotateRows = 160,
    MariaDbBinlogCheckpoint = 161,
    MariaDbGtid = 162,
    MariaDbGtidList = 163,
    // log_bin_compress: the same events with their row data or query text zlib-compressed
    MariaDbQueryCompressed = 165,
    MariaDbWriteRowsCompressedV1 = 166,
    MariaDbUpdateRowsCompressedV1 = 167,
    MariaDbDeleteRowsCompressedV1 = 168,
    MariaDbWriteRowsCompressedV2 = 169,
    MariaDbUpdateRowsCompressedV2 = 170,
    MariaDbDeleteRowsCompressedV2 = 171,
}

/// <summary>The common 19-byte header of every binlog event.</summary>
internal readonly record struct EventHeader(uint Timestamp, EventType Type, uint ServerId, uint EventSize, uint LogPos, ushort Flags)
{
    public const int Size = 19;

    public static EventHeader Parse(ReadOnlySpan<byte> e)
    {
        var r = new ByteReader(e);
        return new EventHeader(r.U32(), (EventType)r.U8(), r.U32(), r.U32(), r.U32(), r.U16());
    }
}
