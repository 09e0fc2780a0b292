using Ferry.Engine.Schema;

namespace Ferry.PostgreSql.Writer;

/// <summary>
/// How a source column lands in a PostgreSQL table: its destination type and collation, the wire form its
/// values travel in (<see cref="PgWire"/>), and the conversion of a source value to that form. PostgreSQL →
/// PostgreSQL keeps everything as the source has it; a MySQL-family source maps through
/// <see cref="Engine.Mapping.TypeMapping"/> (<see cref="MySqlToPostgreSqlTypeMapper"/>).
/// </summary>
public interface IPgTypeMapper
{
    string ColumnType(ColumnSchema column);

    /// <summary>The destination collation: the source's own names one only when both are PostgreSQL.</summary>
    string? Collation(ColumnSchema column) => column.Collation;

    PgWireKind Wire(ColumnSchema column) => PgWire.Of(column);

    /// <summary>
    /// A value of <see cref="Engine.Changes.RowValues"/> type as the wire kind expects it. Throws a
    /// <see cref="Engine.Errors.FerryException"/> naming table, column and value for one the destination cannot hold.
    /// </summary>
    object? Value(TableSchema table, ColumnSchema column, object? value) => value;

    /// <summary>Whether a generated column's expression (source syntax) can be given to PostgreSQL as it is.</summary>
    bool KeepsGeneratedExpressions => true;
}
