using System.Buffers.Binary;

namespace Ferry.PostgreSql;

/// <summary>
/// Walks a binary COPY stream as it passes (header, tuples, trailer) without decoding a value: counts the tuples
/// and notices a stream that ends early or carries tuples of another width. Fed in pieces of any size.
/// </summary>
public sealed class PgCopyTuples(int columns)
{
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0];

    private enum State { Signature, Flags, ExtensionLength, Extension, FieldCount, FieldLength, FieldData, Done }

    private State _state = State.Signature;
    private readonly byte[] _word = new byte[11];
    private int _have;
    private long _skip;
    private int _fieldsLeft;

    /// <summary>Tuples seen so far.</summary>
    public long Tuples { get; private set; }

    /// <summary>Whether the trailer has been seen: the stream is whole.</summary>
    public bool Complete => _state == State.Done;

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            switch (_state)
            {
                case State.Extension or State.FieldData:
                    var n = (int)Math.Min(_skip, data.Length);
                    data = data[n..];
                    _skip -= n;
                    if (_skip == 0) Next();
                    break;
                case State.Done:
                    throw new InvalidDataException("binary COPY data continues after its trailer");
                default:
                    var need = _state switch { State.Signature => 11, State.FieldCount => 2, _ => 4 };
                    var take = Math.Min(need - _have, data.Length);
                    data[..take].CopyTo(_word.AsSpan(_have));
                    data = data[take..];
                    _have += take;
                    if (_have < need) return;
                    _have = 0;
                    Word(_word.AsSpan(0, need));
                    break;
            }
        }
    }

    private void Word(ReadOnlySpan<byte> word)
    {
        switch (_state)
        {
            case State.Signature:
                if (!word.SequenceEqual(Signature)) throw new InvalidDataException("not a binary COPY stream");
                _state = State.Flags;
                break;
            case State.Flags:
                _state = State.ExtensionLength;
                break;
            case State.ExtensionLength:
                _skip = BinaryPrimitives.ReadUInt32BigEndian(word);
                _state = State.Extension;
                if (_skip == 0) _state = State.FieldCount;
                break;
            case State.FieldCount:
                var count = BinaryPrimitives.ReadInt16BigEndian(word);
                if (count == -1) { _state = State.Done; break; }
                if (count != columns) throw new InvalidDataException($"a binary COPY tuple has {count} fields, {columns} were expected");
                Tuples++;
                _fieldsLeft = count;
                _state = count == 0 ? State.FieldCount : State.FieldLength;
                break;
            case State.FieldLength:
                var length = BinaryPrimitives.ReadInt32BigEndian(word);
                _fieldsLeft--;
                if (length > 0) { _skip = length; _state = State.FieldData; }
                else Next();
                break;
        }
    }

    /// <summary>After a field's data (or a NULL/empty field), or after the header's extension area.</summary>
    private void Next() => _state = _state == State.Extension || _fieldsLeft == 0 ? State.FieldCount : State.FieldLength;
}
