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
                PutFormatted(year, "0000"); return;
            case string s: PutEscaped(s); return;
            case long l: PutFormatted(l, default); return;
            case ulong u: PutFormatted(u, default); return;
            case int i: PutFormatted(i, default); return;
            case float x: PutFormatted(x, "R"); return;
            case double d: PutFormatted(d, "R"); return;
            case decimal m: PutFormatted(m, default); return;
            case DateOnly d when d.DayNumber == 0: PutAscii(ZeroDate.DateText); return;
            case DateTime dt when dt.Ticks == 0: PutAscii(ZeroDate.DateTimeText); return;
            case DateOnly d: PutFormatted(d, "yyyy-MM-dd"); return;
            case DateTime dt: PutFormatted(dt, "yyyy-MM-dd HH:mm:ss.ffffff"); return;
            case TimeSpan t: PutAscii(RowValues.FormatTime(t)); return;
            case bool b: Put(b ? (byte)'1' : (byte)'0'); return;
            case byte[] raw: PutEscaped(raw); return;
            default: PutEscaped(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty); return;
        }
    }

    /// <summary>Numbers and dates formatted as UTF-8 straight into the buffer: no string per value. None needs escaping.</summary>
    private void PutFormatted<T>(T value, ReadOnlySpan<char> format) where T : IUtf8SpanFormattable
    {
        for (var size = 64; ; size *= 2)
        {
            if (value.TryFormat(_buffer.GetSpan(size), out var written, format, CultureInfo.InvariantCulture))
            {
                _buffer.Advance(written);
                return;
            }
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

    /// <summary>Text encoded as UTF-8 into the buffer, then escaped in place (from the back, so nothing is overwritten before it is read).</summary>
    private void PutEscaped(string s)
    {
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        var span = _buffer.GetSpan(max * 2);
        var n = Encoding.UTF8.GetBytes(s, span);
        var specials = 0;
        var rest = span[..n];
        for (int at; (at = rest.IndexOfAny(Special)) >= 0; rest = rest[(at + 1)..]) specials++;
        if (specials > 0)
        {
            var o = n + specials;
            for (var i = n - 1; i >= 0; i--)
            {
                var b = span[i];
                var escaped = Escape(b);
                if (escaped == 0) { span[--o] = b; continue; }
                span[--o] = escaped;
                span[--o] = (byte)'\\';
            }
        }
        _buffer.Advance(n + specials);
    }

    /// <summary>The bytes FIELDS ESCAPED BY '\\' must escape (all ASCII, so never inside a UTF-8 sequence).</summary>
    private static readonly SearchValues<byte> Special = SearchValues.Create("\\\t\n\r\0"u8);

    private static byte Escape(byte b) => b switch
    {
        (byte)'\\' => (byte)'\\',
        (byte)'\t' => (byte)'t',
        (byte)'\n' => (byte)'n',
        (byte)'\r' => (byte)'r',
        0 => (byte)'0',
        _ => 0,
    };

    /// <summary>Runs without special bytes are copied whole; each special byte becomes its escape.</summary>
    private void PutEscaped(ReadOnlySpan<byte> bytes)
    {
        var span = _buffer.GetSpan(bytes.Length * 2);
        var o = 0;
        while (!bytes.IsEmpty)
        {
            var at = bytes.IndexOfAny(Special);
            if (at < 0) { bytes.CopyTo(span[o..]); o += bytes.Length; break; }
            bytes[..at].CopyTo(span[o..]);
            o += at;
            span[o++] = (byte)'\\';
            span[o++] = Escape(bytes[at]);
            bytes = bytes[(at + 1)..];
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
