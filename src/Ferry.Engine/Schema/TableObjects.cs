namespace Ferry.Engine.Schema;

/// <summary>One column of an index, in index order.</summary>
/// <param name="Descending">Sorted descending in the index.</param>
/// <param name="PrefixLength">MySQL prefix index: only the first n characters (bytes for binary) are indexed.</param>
public sealed record IndexColumn(string Name, bool Descending = false, int? PrefixLength = null);

/// <summary>
/// A secondary index (or a UNIQUE / exclusion constraint) of a source table, described so any destination can
/// render it in its own dialect. The primary key is not one of these (it is <see cref="TableSchema.Key"/>).
/// </summary>
/// <param name="Name">The index (or constraint) name.</param>
/// <param name="Unique">Rows are matched by unique indexes: they exist before the load; non-unique ones may follow it.</param>
/// <param name="Columns">Plain columns in index order; empty when the index is over expressions.</param>
/// <param name="Method">Access method, lower case: <c>btree</c>, <c>hash</c>, <c>gin</c>, <c>gist</c>, <c>fulltext</c>, <c>spatial</c>, …</param>
/// <param name="NativeOnly">An expression or partial index (or an exclusion constraint): only a destination of the same engine can have it, from <paramref name="NativeDefinition"/>.</param>
/// <param name="NativeDefinition">The source engine's own text: PostgreSQL <c>pg_get_indexdef</c>, or <c>pg_get_constraintdef</c> when <paramref name="Constraint"/>.</param>
/// <param name="Constraint">A constraint (UNIQUE or EXCLUDE) rather than a bare index.</param>
public sealed record IndexSchema(
    string Name,
    bool Unique,
    IReadOnlyList<IndexColumn> Columns,
    string Method = "btree",
    bool NativeOnly = false,
    string? NativeDefinition = null,
    bool Constraint = false);

/// <summary>A foreign key of a source table.</summary>
/// <param name="OnDelete">SQL rule: <c>NO ACTION</c>, <c>RESTRICT</c>, <c>CASCADE</c>, <c>SET NULL</c> or <c>SET DEFAULT</c>.</param>
/// <param name="NativeDefinition">The source engine's own text (PostgreSQL <c>pg_get_constraintdef</c>), for same-engine copies.</param>
/// <param name="NativeReference">How <paramref name="NativeDefinition"/> spells the referenced table, so it can be replaced.</param>
public sealed record ForeignKeySchema(
    string Name,
    IReadOnlyList<string> Columns,
    TableName Referenced,
    IReadOnlyList<string> ReferencedColumns,
    string OnDelete = "NO ACTION",
    string OnUpdate = "NO ACTION",
    string? NativeDefinition = null,
    string? NativeReference = null);

/// <summary>A CHECK constraint of a source table.</summary>
/// <param name="Expression">The condition in the source engine's dialect, without <c>CHECK</c> and outer parentheses.</param>
/// <param name="NativeDefinition">The source engine's own constraint text (PostgreSQL <c>CHECK (...)</c> with options), for same-engine copies.</param>
public sealed record CheckSchema(string Name, string Expression, string? NativeDefinition = null);

/// <summary>
/// A user-defined type a column uses (PostgreSQL enums and domains): created on a PostgreSQL destination
/// before the table, mapped to a MySQL ENUM or the domain's base type on a MySQL-family one.
/// </summary>
/// <param name="Schema">The type's schema on the source.</param>
/// <param name="Kind"><c>enum</c> or <c>domain</c>.</param>
/// <param name="QualifiedName">The type as column types spell it (<c>format_type</c>, qualified).</param>
/// <param name="Labels">An enum's labels in order.</param>
/// <param name="BaseType">A domain's base type as <c>format_type</c> prints it (with its modifier).</param>
/// <param name="BaseDataType">A domain's base type name (<c>pg_type.typname</c>, or the qualified name of a user type).</param>
/// <param name="Checks">A domain's CHECK constraints: name and condition (with <c>VALUE</c> for the value).</param>
/// <param name="Depth">Creation order: a type is created after those of greater depth (a domain over an enum after the enum).</param>
public sealed record UserTypeSchema(
    string Schema,
    string Name,
    string Kind,
    string QualifiedName,
    IReadOnlyList<string> Labels,
    string? BaseType = null,
    string? BaseDataType = null,
    int BasePrecision = 0,
    int BaseScale = 0,
    bool NotNull = false,
    IReadOnlyList<CheckSchema>? Checks = null,
    int Depth = 0);
