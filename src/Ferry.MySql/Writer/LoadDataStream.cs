using System.Buffers;
using System.Globalization;
using System.Text;
using Ferry.Engine.Changes;

namespace Ferry.MySql.Writer;

/// <summary>
/// The rows of a bulk load as the tab-separated text <c>LOAD DATA LOCAL INFILE</c> reads, produced on
/// demand while the driver sends it: nothing is buffered beyond the current rows, and no thread waits
/// on the source. Field formats are Ferry's own (not the driver's) so that TIME beyond 24 hours,
/// YEAR 0000, BIT and binary values arrive exactly.
/// </summary>
public sealed class LoadDataStream : Stream
{
    /// <summary>How a field is written; <see cref="Hex"/> fields are decoded by an UNHEX() expression.</summary>
    public enum Field { Text, Hex, Year }

    private const int Threshold = 64 * 1024;
    private readonly IAsyncEnumerator<object?[]> _rows;
    private readonly int[] _ordinals;
    private readonly Field[] _fields;
    private readonly ArrayBufferWriter<byte> _buffer = new(Threshold * 2);
    private int _consumed;
    private bool _done;
    private bool _disposed;

    public LoadDataStream(IAsyncEnumerable<object?[]> rows, int[] ordinals, Field[] fields, CancellationToken ct)
    {
        _rows = rows.GetAsyncEnumerator(ct);
        _ordinals = ordinals;
        _fields = fields;
    }

    /// <summary>Rows serialized so far.</summary>
    public long Rows { get; private set; }

    /// <summary>
    /// What failed while producing rows (a source error, a value refused by name): the driver reports only that
    /// LOAD DATA failed, so the writer rethrows this instead.
    /// </summary>
    public Exception? Failure { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        try { return await FillAsync(destination).ConfigureAwait(false); }
        catch (Exception e)
        {
            Failure ??= e;
            throw;
        }
    }

    private async ValueTask<int> FillAsync(Memory<byte> destination)
    {
        while (_buffer.WrittenCount - _consumed == 0 && !_done)
        {
            _buffer.ResetWrittenCount();
            _consumed = 0;
            while (_buffer.WrittenCount < Threshold)
            {
                if (!await _rows.MoveNextAsync().ConfigureAwait(false)) { _done = true; break; }
                WriteRow(_rows.Current);
            }
        }
        var available = _buffer.WrittenSpan[_consumed..];
        var n = Math.Min(available.Length, destination.Length);
        available[..n].CopyTo(destination.Span);
        _consumed += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private void WriteRow(object?[] row)
    {
        for (var f = 0; f < _ordinals.Length; f++)
        {
            if (f > 0) Put((byte)'\t');
            WriteField(row[_ordinals[f]], _fields[f]);
        }
        Put((byte)'\n');
        Rows++;
    }

    private void WriteField(object? value, Field field)
    {
        switch (value)
        {
            case null: PutAscii("\\N"); return;
            case byte[] bytes when field == Field.Hex:
                var span = _buffer.GetSpan(bytes.Length * 2);
                Convert.TryToHexString(bytes, span, out var written);
                _buffer.Advance(written);
                return;
            case string s when field == Field.Hex: PutAscii(Convert.ToHexString(Encoding.UTF8.GetBytes(s))); return;
            case long year when field == Field.Year:
                // a bare "0" would load as 2000
                PutAscii(year.ToString("0000", CultureInfo.InvariantCulture)); return;
            case string s: PutEscaped(s); return;
            case long l: PutAscii(l.ToString(CultureInfo.InvariantCulture)); return;
            case ulong u: PutAscii(u.ToString(CultureInfo.InvariantCulture)); return;
            case int i: PutAscii(i.ToString(CultureInfo.InvariantCulture)); return;
            case float x: PutAscii(x.ToString("R", CultureInfo.InvariantCulture)); return;
            case double d: PutAscii(d.ToString("R", CultureInfo.InvariantCulture)); return;
            case decimal m: PutAscii(m.ToString(CultureInfo.InvariantCulture)); return;
            case DateOnly d when d.DayNumber == 0: PutAscii(ZeroDate.DateText); return;
            case DateTime dt when dt.Ticks == 0: PutAscii(ZeroDate.DateTimeText); return;
            case DateOnly d: PutAscii(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); return;
            case DateTime dt: PutAscii(dt.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)); return;
            case TimeSpan t: PutAscii(RowValues.FormatTime(t)); return;
            case bool b: Put(b ? (byte)'1' : (byte)'0'); return;
            case byte[] raw: PutEscaped(raw); return;
            default: PutEscaped(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty); return;
        }
    }

    private void Put(byte b)
    {
        _buffer.GetSpan(1)[0] = b;
        _buffer.Advance(1);
    }

    private void PutAscii(string s)
    {
        var span = _buffer.GetSpan(s.Length);
        for (var i = 0; i < s.Length; i++) span[i] = (byte)s[i];
        _buffer.Advance(s.Length);
    }

    private void PutEscaped(string s)
    {
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var n = Encoding.UTF8.GetBytes(s, rented);
            PutEscaped(rented.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Escapes for FIELDS ESCAPED BY '\\' (the special bytes are ASCII, never inside a UTF-8 sequence).</summary>
    private void PutEscaped(ReadOnlySpan<byte> bytes)
    {
        var span = _buffer.GetSpan(bytes.Length * 2);
        var o = 0;
        foreach (var b in bytes)
        {
            switch (b)
            {
                case (byte)'\\': span[o++] = (byte)'\\'; span[o++] = (byte)'\\'; break;
                case (byte)'\t': span[o++] = (byte)'\\'; span[o++] = (byte)'t'; break;
                case (byte)'\n': span[o++] = (byte)'\\'; span[o++] = (byte)'n'; break;
                case (byte)'\r': span[o++] = (byte)'\\'; span[o++] = (byte)'r'; break;
                case 0: span[o++] = (byte)'\\'; span[o++] = (byte)'0'; break;
                default: span[o++] = b; break;
            }
        }
        _buffer.Advance(o);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _rows.DisposeAsync().ConfigureAwait(false);
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _rows.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
