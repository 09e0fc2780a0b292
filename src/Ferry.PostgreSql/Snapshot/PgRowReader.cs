using Ferry.Engine.Schema;
using Npgsql;

namespace Ferry.PostgreSql.Snapshot;

/// <summary>Turns wire-form columns (see <see cref="PgWire"/>) into <see cref="Engine.Changes.RowValues"/> values.</summary>
public sealed class PgRowReader(IReadOnlyList<ColumnSchema> columns)
{
    private readonly PgWireKind[] _kinds = columns.Select(PgWire.Of).ToArray();

    /// <summary>The select list that produces the wire forms, in column order.</summary>
    public string SelectList => string.Join(", ", columns.Select(PgWire.Select));

    public async Task<object?[]> ReadAsync(NpgsqlBinaryExporter export, CancellationToken ct)
    {
        var row = new object?[_kinds.Length];
        for (var i = 0; i < _kinds.Length; i++)
        {
            if (export.IsNull)
            {
                await export.SkipAsync(ct).ConfigureAwait(false);
                continue;
            }
            row[i] = _kinds[i] switch
            {
                PgWireKind.Int => await export.ReadAsync<long>(ct).ConfigureAwait(false),
                PgWireKind.Float4 => await export.ReadAsync<float>(ct).ConfigureAwait(false),
                PgWireKind.Float8 => await export.ReadAsync<double>(ct).ConfigureAwait(false),
                PgWireKind.Bool => await export.ReadAsync<bool>(ct).ConfigureAwait(false),
                PgWireKind.Bytea => await export.ReadAsync<byte[]>(ct).ConfigureAwait(false),
                PgWireKind.Date => PgWire.Date(await export.ReadAsync<int>(NpgsqlTypes.NpgsqlDbType.Date, ct).ConfigureAwait(false)),
                PgWireKind.Timestamp => PgWire.Timestamp(await export.ReadAsync<long>(NpgsqlTypes.NpgsqlDbType.Timestamp, ct).ConfigureAwait(false), DateTimeKind.Unspecified),
                PgWireKind.TimestampTz => PgWire.Timestamp(await export.ReadAsync<long>(NpgsqlTypes.NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false), DateTimeKind.Utc),
                PgWireKind.Time => await export.ReadAsync<TimeSpan>(NpgsqlTypes.NpgsqlDbType.Time, ct).ConfigureAwait(false),
                _ => await export.ReadAsync<string>(ct).ConfigureAwait(false),
            };
        }
        return row;
    }

    public object?[] Read(NpgsqlDataReader r)
    {
        var row = new object?[_kinds.Length];
        for (var i = 0; i < _kinds.Length; i++)
        {
            if (r.IsDBNull(i)) continue;
            row[i] = _kinds[i] switch
            {
                PgWireKind.Int => r.GetInt64(i),
                PgWireKind.Float4 => r.GetFloat(i),
                PgWireKind.Float8 => r.GetDouble(i),
                PgWireKind.Bool => r.GetBoolean(i),
                PgWireKind.Bytea => r.GetFieldValue<byte[]>(i),
                PgWireKind.Date => PgWire.Date(r.GetFieldValue<int>(i)),
                PgWireKind.Timestamp => PgWire.Timestamp(r.GetFieldValue<long>(i), DateTimeKind.Unspecified),
                PgWireKind.TimestampTz => PgWire.Timestamp(r.GetFieldValue<long>(i), DateTimeKind.Utc),
                PgWireKind.Time => r.GetFieldValue<TimeSpan>(i),
                _ => r.GetString(i),
            };
        }
        return row;
    }
}
