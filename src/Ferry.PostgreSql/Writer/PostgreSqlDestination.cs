using System.Globalization;
using System.Text;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using Ferry.PostgreSql.Schema;
using Npgsql;

namespace Ferry.PostgreSql.Writer;

/// <summary>
/// Writes to a PostgreSQL database: tables created from the source's definition, chunks bulk-loaded with
/// binary COPY, change batches applied idempotently with their checkpoint in the same transaction.
/// </summary>
public sealed partial class PostgreSqlDestination(ConnectionInfo connection, IPgTypeMapper? types = null) : IDestination
{
    public const string CheckpointSchema = PgSchemaReader.FerrySchema;
    public const string CheckpointTable = "ferry_checkpoint";

    /// <summary>Bind parameters per statement: PostgreSQL allows 65535; staying well under keeps statements small.</summary>
    private const int ParametersPerStatement = 20_000;

    private static readonly string Checkpoints = PgIdentifier.Quote(CheckpointSchema) + "." + PgIdentifier.Quote(CheckpointTable);
    private static readonly string SchemaHistory = PgIdentifier.Quote(CheckpointSchema) + ".\"ferry_schema_history\"";
    private static readonly string Renames = PgIdentifier.Quote(CheckpointSchema) + ".\"ferry_renames\"";

    private readonly IPgTypeMapper _types = types ?? SameEngineTypeMapper.Instance;
    private volatile bool _checkpointTableReady;

    private Task<NpgsqlConnection> OpenAsync(CancellationToken ct) => PgSessions.OpenAsync(connection, ct);

    private bool SameEngine => _types is SameEngineTypeMapper;

    /// <summary>
    /// The table after its user types (PostgreSQL sources: enums and domains, under their own qualified names, if
    /// missing), then its unique indexes (rows are matched by key while loading and replaying) and, unless deferred,
    /// the other indexes. Foreign keys and CHECKs come later (<see cref="DeferredConstraints"/>).
    /// </summary>
    public async Task<string> CreateTableAsync(TableMapping mapping, CancellationToken ct, bool deferSecondaryIndexes = false)
    {
        var ddl = CreateTableStatement(mapping);
        var ran = new List<string>();
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await CreateSchemaAsync(c, mapping.Target.Database, ct).ConfigureAwait(false);
        if (SameEngine)
        {
            foreach (var schema in (mapping.Source.Types ?? []).Select(t => t.Schema).Distinct())
                await CreateSchemaAsync(c, schema, ct).ConfigureAwait(false);
            foreach (var type in PgSchemaObjects.TypeStatements(mapping.Source))
                if (await ExecuteIfMissingAsync(c, type, ct).ConfigureAwait(false)) ran.Add(type);
        }
        await PgSessions.ExecuteAsync(c, ddl, ct).ConfigureAwait(false);
        ran.Add(ddl);
        foreach (var index in PgSchemaObjects.Indexes(mapping, SameEngine).Where(i => i.Sql is not null && (i.Index.Unique || !deferSecondaryIndexes)))
            if (await ExecuteIfMissingAsync(c, index.Sql!, ct).ConfigureAwait(false)) ran.Add(index.Sql!);
        return string.Join(";\n", ran) + ";";
    }

    /// <summary>Runs a CREATE of a type, index or constraint; one that is already there (a retried schema stage) is not an error.</summary>
    private static async Task<bool> ExecuteIfMissingAsync(NpgsqlConnection c, string sql, CancellationToken ct)
    {
        try
        {
            await PgSessions.ExecuteAsync(c, sql, ct).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.DuplicateTable)
        {
            return false;
        }
    }

    /// <summary>What the schema stage leaves out or changes (indexes PostgreSQL has no counterpart for), for the project's warnings.</summary>
    public IReadOnlyList<string> SchemaWarnings(TableMapping mapping) =>
        PgSchemaObjects.Indexes(mapping, SameEngine).Where(i => i.Warning is not null).Select(i => i.Warning!)
            .Concat(NumberingAndDefaultWarnings(mapping)).ToList();

    public IReadOnlyList<DeferredConstraint> DeferredConstraints(TableMapping mapping, Func<TableName, TableName> target) =>
        PgSchemaObjects.Constraints(mapping, target, SameEngine);

    /// <summary>
    /// A PostgreSQL view keeps its query (<c>pg_get_viewdef</c>) with the tables renamed; a MySQL-family one is
    /// translated where that is safe, and otherwise refused naming what could not be translated, for the operator's own DDL.
    /// </summary>
    public async Task<string> CreateViewAsync(ViewSchema view, TableName target, Func<TableName, TableName?> rename, CancellationToken ct)
    {
        string body;
        if (SameEngine) body = SqlTranslator.RenamePostgreSql(view.Definition.Trim().TrimEnd(';'), rename);
        else
        {
            var translated = SqlTranslator.MySqlToPostgreSql(view.Definition, rename);
            body = translated.Sql ?? throw new FerryException("schema.view-untranslatable",
                $"view {view.Name} is in MySQL's dialect and {translated.Problem}: retry it with your own DDL (POST …/schema/{view.Name}/retry with {{\"ddl\": …}}) or skip it");
        }
        var ddl = $"CREATE OR REPLACE VIEW {PgIdentifier.Quote(target)} AS {body}";
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await CreateSchemaAsync(c, target.Database, ct).ConfigureAwait(false);
        try { await PgSessions.ExecuteAsync(c, ddl, ct).ConfigureAwait(false); }
        catch (PostgresException e) { throw new FerryException("ddl.failed", $"the destination refused the view ({e.SqlState}: {e.MessageText}): {ddl}", e); }
        return ddl + ";";
    }

    /// <summary>
    /// Columns with the mapped types, NOT NULL and the key as primary key. Generated columns keep their
    /// expression (from the source's <see cref="TableSchema.CreateStatement"/>, one column per line as
    /// <see cref="PgSchemaReader"/> writes it) so the destination computes them.
    /// </summary>
    public string CreateTableStatement(TableMapping mapping)
    {
        var source = mapping.Source;
        var sb = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(PgIdentifier.Quote(mapping.Target)).Append(" (");
        for (var i = 0; i < source.Columns.Count; i++)
        {
            var col = source.Columns[i];
            if (i > 0) sb.Append(", ");
            sb.Append(PgIdentifier.Quote(col.Name)).Append(' ').Append(_types.ColumnType(col));
            if (_types.Collation(col) is { } collation) sb.Append(" COLLATE ").Append(PgIdentifier.Quote(collation));
            if (col.IsGenerated && !_types.KeepsGeneratedExpressions)
                throw new FerryException("schema.generated-cross-engine",
                    $"generated column {col.Name} of {source.Name} has an expression in the source's SQL dialect, which PostgreSQL does not take: " +
                    "retry the table with your own DDL, or leave the column out (objects.columns)");
            if (col.IsGenerated)
            {
                var expression = PgSchemaReader.GenerationExpression(mapping.Full ?? source, col.Name)
                    ?? throw new FerryException("schema.generated-unknown", $"the expression of generated column {col.Name} of {source.Name} is not known");
                sb.Append(" GENERATED ALWAYS AS (").Append(expression).Append(") STORED");
            }
            if (Numbering(mapping, col) is { } numbering) sb.Append(numbering);
            else if (DefaultOf(mapping, col) is { } expression) sb.Append(" DEFAULT ").Append(expression);
            if (!col.IsNullable) sb.Append(" NOT NULL");
        }
        if (source.Key.Count > 0) sb.Append(", PRIMARY KEY (").Append(string.Join(", ", source.Key.Select(PgIdentifier.Quote))).Append(')');
        sb.Append(')');
        // A serial column's sequence is created first, in the table's destination schema under its own name.
        var sequences = source.Columns.Where(c => SerialSequence(mapping, c) is not null)
            .Select(c => $"CREATE SEQUENCE IF NOT EXISTS {PgIdentifier.Quote(SerialSequence(mapping, c)!)}; ").Distinct();
        return string.Concat(sequences) + sb;
    }

    /// <summary>The destination sequence of a PostgreSQL serial column (a DEFAULT nextval of a sequence): same name, in the table's target schema.</summary>
    private TableName? SerialSequence(TableMapping mapping, ColumnSchema col) =>
        _types.KeepsGeneratedExpressions && col is { Identity: ColumnSchema.IdentitySerial, Sequence: { } seq }
            ? new TableName(mapping.Target.Database, seq.Table) : null;

    private static readonly HashSet<string> IdentityTypes = ["smallint", "integer", "bigint", "int2", "int4", "int8"];

    /// <summary>
    /// How the destination numbers new rows: identity columns stay identity columns, BY DEFAULT while the migration
    /// writes ids (switchover makes an ALWAYS column ALWAYS again); a MySQL AUTO_INCREMENT column becomes one too;
    /// a serial column takes nextval of its sequence.
    /// </summary>
    private string? Numbering(TableMapping mapping, ColumnSchema col)
    {
        if (SerialSequence(mapping, col) is { } seq) return $" DEFAULT nextval({PgLiteral.Text(PgIdentifier.Quote(seq))}::regclass)";
        if (col.Identity is ColumnSchema.IdentityAlways or ColumnSchema.IdentityByDefault or ColumnSchema.IdentityAutoIncrement
            && IdentityTypes.Contains(_types.ColumnType(col).ToLowerInvariant()))
            return " GENERATED BY DEFAULT AS IDENTITY";
        return null;
    }

    /// <summary>
    /// The column's DEFAULT in PostgreSQL: a PostgreSQL source's expression as it is; a MySQL-family literal or current
    /// timestamp translated; null for anything else (<see cref="NumberingAndDefaultWarnings"/> names it).
    /// </summary>
    private string? DefaultOf(TableMapping mapping, ColumnSchema col)
    {
        if (col.Default is not { } expression || col.IsGenerated) return null;
        if (_types.KeepsGeneratedExpressions) return col.Identity is null ? expression : null;
        return TranslateMySqlDefault(col, _types.ColumnType(col), expression);
    }

    /// <summary>Identity/serial numbering and DEFAULTs that do not reach PostgreSQL, one line each.</summary>
    private List<string> NumberingAndDefaultWarnings(TableMapping mapping)
    {
        var warnings = new List<string>();
        foreach (var col in mapping.Source.Columns)
        {
            if (col.Identity is not null && Numbering(mapping, col) is null)
                warnings.Add($"{mapping.Source.Name}.{col.Name}: {col.Identity} is not carried to a {_types.ColumnType(col)} column on PostgreSQL; inserts on the destination must give its value");
            if (col.Default is { } d && !col.IsGenerated && col.Identity is null && DefaultOf(mapping, col) is null)
                warnings.Add($"{mapping.Source.Name}.{col.Name}: DEFAULT {d} cannot be translated to PostgreSQL and is left out; add it by hand if the application relies on it");
        }
        return warnings;
    }

    /// <summary>A MySQL-family DEFAULT (as information_schema reports it) in PostgreSQL, or null when it does not translate.</summary>
    public static string? TranslateMySqlDefault(ColumnSchema col, string pgType, string expression)
    {
        var e = expression.Trim();
        var type = pgType.ToLowerInvariant();
        if (e.Equals("current_timestamp()", StringComparison.OrdinalIgnoreCase) || e.Equals("current_timestamp", StringComparison.OrdinalIgnoreCase)
            || e.Equals("now()", StringComparison.OrdinalIgnoreCase) || e.StartsWith("current_timestamp(", StringComparison.OrdinalIgnoreCase))
            return type.StartsWith("timestamp", StringComparison.Ordinal) ? "CURRENT_TIMESTAMP" : null;
        if (e.Equals("curdate()", StringComparison.OrdinalIgnoreCase) || e.Equals("current_date()", StringComparison.OrdinalIgnoreCase))
            return type == "date" ? "CURRENT_DATE" : null;
        if (decimal.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            if (type == "boolean") return number == 0 ? "false" : number == 1 ? "true" : null;
            return IsNumericType(type) ? number.ToString(CultureInfo.InvariantCulture) : null;
        }
        if (e.Length >= 2 && e[0] == '\'' && e[^1] == '\'')
        {
            // MariaDB doubles quotes inside; a backslash escape is left to the operator
            var text = e[1..^1].Replace("''", "'", StringComparison.Ordinal);
            if (text.Contains('\\') || text.Contains('\0')) return null;
            if (type == "boolean") return text == "0" ? "false" : text == "1" ? "true" : null;
            if (IsNumericType(type))
                return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : null;
            if (type.StartsWith("timestamp", StringComparison.Ordinal) || type is "date" || type.StartsWith("time", StringComparison.Ordinal))
                return text.StartsWith("0000-00-00", StringComparison.Ordinal) ? null : $"{PgLiteral.Text(text)}::{pgType}";
            if (type.StartsWith("bit", StringComparison.Ordinal) || type is "bytea" || type.EndsWith("[]", StringComparison.Ordinal)) return null;
            return $"{PgLiteral.Text(text)}::{pgType}";
        }
        return null;
    }

    private static bool IsNumericType(string type) =>
        type is "smallint" or "integer" or "bigint" or "real" or "double precision" || type.StartsWith("numeric", StringComparison.Ordinal);

    /// <summary>
    /// Sets the column's sequence (identity or serial) so that the next insert without a value gets <paramref name="value"/>'s
    /// next value; an identity column the source declares ALWAYS is made ALWAYS.
    /// </summary>
    public async Task<string?> SetIdentityAsync(TableMapping mapping, IdentityValue value, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        string? sequence;
        await using (var cmd = new NpgsqlCommand("SELECT pg_catalog.pg_get_serial_sequence($1, $2)", c))
        {
            cmd.Parameters.AddWithValue(PgIdentifier.Quote(mapping.Target));
            cmd.Parameters.AddWithValue(value.Column); // a column name, taken literally (not an identifier)
            try { sequence = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string; }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedTable) { return null; }
        }
        if (sequence is null)
        {
            // a serial column whose sequence is not owned by it: the one its DEFAULT calls
            var col = mapping.Source.Columns.FirstOrDefault(x => string.Equals(x.Name, value.Column, StringComparison.OrdinalIgnoreCase));
            if (col is not null && SerialSequence(mapping, col) is { } seq) sequence = PgIdentifier.Quote(seq);
            else return null;
        }
        var statements = new List<string> { $"SELECT pg_catalog.setval({PgLiteral.Text(sequence)}::regclass, {value.Next.ToString(CultureInfo.InvariantCulture)}, false)" };
        if (value.Identity == ColumnSchema.IdentityAlways)
            statements.Add($"ALTER TABLE {PgIdentifier.Quote(mapping.Target)} ALTER COLUMN {PgIdentifier.Quote(value.Column)} SET GENERATED ALWAYS");
        foreach (var sql in statements) await PgSessions.ExecuteAsync(c, sql, ct).ConfigureAwait(false);
        return string.Join("; ", statements);
    }

    private static async Task CreateSchemaAsync(NpgsqlConnection c, string schema, CancellationToken ct)
    {
        try { await PgSessions.ExecuteAsync(c, "CREATE SCHEMA IF NOT EXISTS " + PgIdentifier.Quote(schema), ct).ConfigureAwait(false); }
        // two sessions creating it at once: the loser sees a unique violation on the catalog, and the schema is there
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateSchema) { }
    }

    public async Task RunDdlAsync(string database, string ddl, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        // unqualified names in an operator's statement are relative to the target schema
        await PgSessions.ExecuteAsync(c, $"SET LOCAL search_path = {PgIdentifier.Quote(database)}, pg_catalog", ct, tx).ConfigureAwait(false);
        try { await PgSessions.ExecuteAsync(c, ddl, ct, tx).ConfigureAwait(false); }
        catch (PostgresException e)
        {
            throw new FerryException("ddl.failed", $"running a DDL statement on the destination failed ({e.SqlState}: {e.MessageText}): {ddl}", e);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The non-unique indexes the schema stage held back for the copy (IF NOT EXISTS: those already there are kept).</summary>
    public async Task<string?> CreateSecondaryIndexesAsync(TableMapping mapping, CancellationToken ct)
    {
        var wanted = PgSchemaObjects.Indexes(mapping, SameEngine).Where(i => i.Sql is not null && !i.Index.Unique).ToList();
        if (wanted.Count == 0) return null;
        var ran = new List<string>();
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        foreach (var index in wanted)
            if (await ExecuteIfMissingAsync(c, index.Sql!, ct).ConfigureAwait(false)) ran.Add(index.Sql!);
        return ran.Count == 0 ? null : string.Join(";\n", ran) + ";";
    }

    /// <summary>
    /// Binary COPY into a temporary table of wire-typed columns, then one <c>INSERT … SELECT … ON CONFLICT (key)
    /// DO UPDATE</c>, all in one transaction. Chosen over deleting the chunk's key range first because the
    /// writer is not told the range (only the rows), and because it also converges when incremental changes
    /// have already landed rows of the chunk; the cast from wire form to the column type happens in SQL,
    /// so types Npgsql has no binary writer for (enums, arrays of user types, ranges) load the same way.
    /// Without a key rows are inserted as they are (a redone chunk doubles them; tables without a key need a
    /// fresh target, as on MySQL).
    /// </summary>
    public async Task<long> BulkLoadAsync(TableMapping mapping, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
    {
        var table = mapping.Source;
        var columns = WritableColumns(table);
        var kinds = columns.Select(i => _types.Wire(table.Columns[i])).ToArray();
        var staging = PgIdentifier.Quote("__ferry_load");
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        var stagingColumns = string.Join(", ", columns.Select((ordinal, f) => $"c{f} {PgWire.SqlType(kinds[f])}"));
        await PgSessions.ExecuteAsync(c, $"CREATE TEMP TABLE {staging} ({stagingColumns}) ON COMMIT DROP", ct, tx).ConfigureAwait(false);

        long count = 0;
        await using (var import = await c.BeginBinaryImportAsync(
                         $"COPY {staging} ({string.Join(", ", columns.Select((_, f) => "c" + f.ToString(CultureInfo.InvariantCulture)))}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
            {
                await import.StartRowAsync(ct).ConfigureAwait(false);
                for (var f = 0; f < columns.Length; f++)
                {
                    var value = _types.Value(table, table.Columns[columns[f]], row[columns[f]]);
                    if (value is null) await import.WriteNullAsync(ct).ConfigureAwait(false);
                    else await import.WriteAsync(PgWire.Parameter(value, kinds[f]), PgWire.DbType(kinds[f]), ct).ConfigureAwait(false);
                }
                count++;
            }
            await import.CompleteAsync(ct).ConfigureAwait(false);
        }

        var names = columns.Select(i => PgIdentifier.Quote(table.Columns[i].Name)).ToList();
        var select = string.Join(", ", columns.Select((i, f) => PgWire.ToColumnType(Destination(table.Columns[i]), "c" + f.ToString(CultureInfo.InvariantCulture))));
        var sql = $"INSERT INTO {PgIdentifier.Quote(mapping.Target)} ({string.Join(", ", names)}) SELECT {select} FROM {staging}" + OnConflict(table, columns);
        await PgSessions.ExecuteAsync(c, sql, ct, tx).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return count;
    }

    /// <summary>The upsert clause: a row whose key exists takes every written column of the new image.</summary>
    private static string OnConflict(TableSchema table, int[] columns)
    {
        if (table.Key.Count == 0) return string.Empty;
        var keys = new HashSet<string>(table.Key, StringComparer.OrdinalIgnoreCase);
        var set = columns.Select(i => table.Columns[i].Name).Where(n => !keys.Contains(n))
            .Select(n => $"{PgIdentifier.Quote(n)} = EXCLUDED.{PgIdentifier.Quote(n)}").ToList();
        var target = " ON CONFLICT (" + string.Join(", ", table.Key.Select(PgIdentifier.Quote)) + ")";
        return set.Count == 0 ? target + " DO NOTHING" : target + " DO UPDATE SET " + string.Join(", ", set);
    }

    /// <summary>Ordinals of the columns Ferry writes: generated columns are computed by the destination.</summary>
    private static int[] WritableColumns(TableSchema table) =>
        Enumerable.Range(0, table.Columns.Count).Where(i => !table.Columns[i].IsGenerated).ToArray();

    public string CorrectionStatement(TableMapping mapping, object?[] key, object?[]? sourceRow)
    {
        var table = mapping.Source;
        var target = PgIdentifier.Quote(mapping.Target);
        if (sourceRow is null)
            return $"DELETE FROM {target} WHERE ({string.Join(", ", table.Key.Select(PgIdentifier.Quote))}) = {PgLiteral.Row(table with { Columns = table.Columns.Select(Destination).ToList() }, table.Key,
                table.KeyOrdinals().Select((ordinal, k) => _types.Value(table, table.Columns[ordinal], key[k])).ToList())};";
        var columns = WritableColumns(table);
        return $"INSERT INTO {target} ({string.Join(", ", columns.Select(i => PgIdentifier.Quote(table.Columns[i].Name)))}) VALUES (" +
               string.Join(", ", columns.Select(i => PgLiteral.Typed(Destination(table.Columns[i]), _types.Value(table, table.Columns[i], sourceRow[i])))) + ")" + OnConflict(table, columns) + ";";
    }

    /// <summary>
    /// TRUNCATE and DROP TABLE of a followed table. The checkpoint is not moved here: the writer records it
    /// with the resulting definitions (<see cref="RecordSchemasAsync"/>); a re-run is harmless (IF EXISTS, or
    /// emptying an empty table — the rows after it replay).
    /// </summary>
    public async Task<string> ApplyDdlAsync(DdlEvent ddl, IReadOnlyDictionary<TableName, TableName> targets, string stream, LogPosition position, CancellationToken ct)
    {
        var plan = ddl.Plan ?? throw new FerryException("ddl.unsupported", $"the statement was not understood: {ddl.Statement}");
        TableName Target(TableName t) => targets.TryGetValue(t, out var target) ? target
            : throw new FerryException("ddl.unsupported", $"{t} is not migrated: {ddl.Statement}");
        if (plan.Columns is { } columns) return await AlterColumnsAsync(columns, Target(columns.After.Name), ct).ConfigureAwait(false);
        var sql = plan.Kind switch
        {
            DdlKind.TruncateTable => "TRUNCATE TABLE " + string.Join(", ", plan.Tables.Select(r => PgIdentifier.Quote(Target(r.Table)))),
            DdlKind.DropTable => "DROP TABLE IF EXISTS " + string.Join(", ", plan.Tables.Select(r => PgIdentifier.Quote(Target(r.Table)))),
            _ => throw new FerryException("ddl.unsupported", $"{plan.Reason ?? "not applied automatically"} on a PostgreSQL destination: {ddl.Statement}"),
        };
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await PgSessions.ExecuteAsync(c, sql, ct).ConfigureAwait(false);
        return sql;
    }

    /// <summary>
    /// Follows a source column change in one transaction, each step safe to repeat: dropped and added columns by
    /// <c>IF [NOT] EXISTS</c>, a type change by <c>ALTER COLUMN … TYPE</c> (a no-op when already done). An added
    /// column takes the value the source's existing rows hold (its default when added) through a default that is
    /// dropped at once: the destination computes nothing itself, every later value comes from the source.
    /// </summary>
    private async Task<string> AlterColumnsAsync(ColumnChange change, TableName target, CancellationToken ct)
    {
        var table = PgIdentifier.Quote(target);
        var statements = new List<string>();
        foreach (var col in change.Dropped)
            statements.Add($"ALTER TABLE {table} DROP COLUMN IF EXISTS {PgIdentifier.Quote(col.Name)}");
        foreach (var col in change.Added)
        {
            var sb = new StringBuilder($"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {PgIdentifier.Quote(col.Name)} {_types.ColumnType(col)}");
            if (_types.Collation(col) is { } collation) sb.Append(" COLLATE ").Append(PgIdentifier.Quote(collation));
            var filled = change.Filled.GetValueOrDefault(col.Name);
            if (filled is not null)
                sb.Append(" DEFAULT ").Append(PgLiteral.Typed(col with { ColumnType = _types.ColumnType(col) }, _types.Value(change.After, col, filled)));
            // NOT NULL only where existing rows have a value: rows the source holds are all written by key later anyway
            if (!col.IsNullable && filled is not null) sb.Append(" NOT NULL");
            statements.Add(sb.ToString());
            if (filled is not null) statements.Add($"ALTER TABLE {table} ALTER COLUMN {PgIdentifier.Quote(col.Name)} DROP DEFAULT");
        }
        foreach (var (_, to) in change.Retyped)
            statements.Add($"ALTER TABLE {table} ALTER COLUMN {PgIdentifier.Quote(to.Name)} TYPE {_types.ColumnType(to)}" +
                           (_types.Collation(to) is { } collation ? " COLLATE " + PgIdentifier.Quote(collation) : ""));
        var sql = string.Join(";\n", statements);
        if (statements.Count == 0) return sql;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var statement in statements)
            {
                await using var cmd = new NpgsqlCommand(statement, c, tx);
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new FerryException("ddl.failed", $"following a column change of {change.After.Name} on the destination failed ({e.MessageText}): {sql}", e);
        }
        return sql;
    }

    /// <summary>
    /// The renames of one statement in one transaction (DDL is transactional here), through temporary names
    /// so cycles need no order, with a row in <c>__ferry.ferry_renames</c> that says the statement ran: a
    /// re-run after a crash before the checkpoint finds it and does nothing.
    /// </summary>
    public async Task<string?> RenameTablesAsync(IReadOnlyList<(TableName From, TableName To)> moves, string stream, LogPosition position, CancellationToken ct)
    {
        moves = moves.Where(m => m.From != m.To).ToList();
        if (moves.Count == 0) return null;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var seen = new NpgsqlCommand($"SELECT 1 FROM {Renames} WHERE stream = $1 AND position = $2", c, tx))
        {
            seen.Parameters.AddWithValue(stream);
            seen.Parameters.AddWithValue(position.Value);
            if (await seen.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null) return null;
        }
        var statements = new List<string>();
        var temps = moves.Select((m, i) => $"__ferry_rename_{i}").ToList();
        for (var i = 0; i < moves.Count; i++)
            statements.Add($"ALTER TABLE {PgIdentifier.Quote(moves[i].From)} RENAME TO {PgIdentifier.Quote(temps[i])}");
        for (var i = 0; i < moves.Count; i++)
        {
            var (from, to) = moves[i];
            if (from.Database != to.Database)
            {
                await CreateSchemaAsync(c, to.Database, ct).ConfigureAwait(false);
                statements.Add($"ALTER TABLE {PgIdentifier.Quote(new TableName(from.Database, temps[i]))} SET SCHEMA {PgIdentifier.Quote(to.Database)}");
            }
            statements.Add($"ALTER TABLE {PgIdentifier.Quote(new TableName(to.Database, temps[i]))} RENAME TO {PgIdentifier.Quote(to.Table)}");
        }
        try
        {
            foreach (var sql in statements) await PgSessions.ExecuteAsync(c, sql, ct, tx).ConfigureAwait(false);
            await using var mark = new NpgsqlCommand($"INSERT INTO {Renames} (stream, position) VALUES ($1, $2)", c, tx);
            mark.Parameters.AddWithValue(stream);
            mark.Parameters.AddWithValue(position.Value);
            await mark.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new FerryException("ddl.failed", $"renaming tables on the destination failed ({e.MessageText}): {string.Join("; ", statements)}", e);
        }
        return string.Join(";\n", statements) + ";";
    }

    public async Task RecordSchemasAsync(string stream, LogPosition checkpoint, IReadOnlyList<SchemaHistoryEntry> entries, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        foreach (var e in entries)
        {
            await using var cmd = new NpgsqlCommand(
                $"INSERT INTO {SchemaHistory} (stream, position, source_database, source_table, target_database, target_table, definition, note, recorded_at) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, pg_catalog.now())", c, tx);
            cmd.Parameters.AddWithValue(stream);
            cmd.Parameters.AddWithValue(e.Position.Value);
            cmd.Parameters.AddWithValue(e.Table.Database);
            cmd.Parameters.AddWithValue(e.Table.Table);
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Target?.Database ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Target?.Table ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter
            {
                Value = e.Schema is null ? DBNull.Value : System.Text.Json.JsonSerializer.Serialize(e.Schema), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
            });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Note ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await UpsertCheckpointAsync(c, tx, stream, checkpoint, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SchemaHistoryEntry>> ReadSchemaHistoryAsync(string stream, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            "SELECT position, source_database, source_table, target_database, target_table, definition, note " +
            $"FROM {SchemaHistory} WHERE stream = $1 ORDER BY seq", c);
        cmd.Parameters.AddWithValue(stream);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<SchemaHistoryEntry>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            var table = new TableName(r.GetString(1), r.GetString(2));
            var schema = r.IsDBNull(5) ? null
                : System.Text.Json.JsonSerializer.Deserialize<TableSchema>(r.GetString(5))
                  ?? throw new FerryException("schema.history-invalid", $"the schema history of {stream} has an empty definition for {table}");
            var target = r.IsDBNull(3) ? null : new TableName(r.GetString(3), r.GetString(4));
            list.Add(new SchemaHistoryEntry(table, new LogPosition(r.GetString(0)), schema, target, r.IsDBNull(6) ? null : r.GetString(6)));
        }
        return list;
    }

    public async Task<LogPosition?> ReadCheckpointAsync(string stream, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand($"SELECT position FROM {Checkpoints} WHERE stream = $1", c);
        cmd.Parameters.AddWithValue(stream);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is string position ? new LogPosition(position) : null;
    }

    public async Task WriteCheckpointAsync(string stream, LogPosition checkpoint, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await UpsertCheckpointAsync(c, null, stream, checkpoint, ct).ConfigureAwait(false);
    }

    public async Task DeleteCheckpointAsync(string stream, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        foreach (var table in new[] { Checkpoints, SchemaHistory, Renames })
        {
            await using var cmd = new NpgsqlCommand($"DELETE FROM {table} WHERE stream = $1", c);
            cmd.Parameters.AddWithValue(stream);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task EnsureCheckpointTableAsync(NpgsqlConnection c, CancellationToken ct)
    {
        if (_checkpointTableReady) return;
        await CreateSchemaAsync(c, CheckpointSchema, ct).ConfigureAwait(false);
        try
        {
            await PgSessions.ExecuteAsync(c,
                $"CREATE TABLE IF NOT EXISTS {Checkpoints} (stream text NOT NULL PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL)", ct).ConfigureAwait(false);
            await PgSessions.ExecuteAsync(c,
                $"CREATE TABLE IF NOT EXISTS {SchemaHistory} (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream text NOT NULL, position text NOT NULL, " +
                "source_database text NOT NULL, source_table text NOT NULL, target_database text, target_table text, definition text, note text, recorded_at timestamptz NOT NULL)",
                ct).ConfigureAwait(false);
            await PgSessions.ExecuteAsync(c,
                $"CREATE TABLE IF NOT EXISTS {Renames} (stream text NOT NULL, position text NOT NULL, PRIMARY KEY (stream, position))", ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable) { }
        _checkpointTableReady = true;
    }

    private static async Task UpsertCheckpointAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string stream, LogPosition checkpoint, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"INSERT INTO {Checkpoints} (stream, position, updated_at) VALUES ($1, $2, pg_catalog.now()) " +
            "ON CONFLICT (stream) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at", c, tx);
        cmd.Parameters.AddWithValue(stream);
        cmd.Parameters.AddWithValue(checkpoint.Value);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task ApplyAsync(IReadOnlyList<TransactionEvent> transactions, Func<TableName, TableMapping?> map,
        string stream, LogPosition checkpoint, CancellationToken ct)
    {
        var ops = PgChangeOps.From(transactions, map);
        var net = PgChangeOps.Net(ops);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (net.Ordered.Count < ops.Count)
        {
            // The batch's net effect per key: deletes first, then the final images. PostgreSQL checks a unique
            // index (one the user added on the destination) row by row, so final images that trade a unique value
            // collide inside one statement; the batch is then written one operation at a time in log order,
            // each step a state the source had.
            await tx.SaveAsync("ferry_net", ct).ConfigureAwait(false);
            try { await ExecuteAllAsync(c, tx, net.All(), merge: true, ct).ConfigureAwait(false); }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ExclusionViolation)
            {
                await tx.RollbackAsync("ferry_net", ct).ConfigureAwait(false);
                await ExecuteAllAsync(c, tx, ops, merge: false, ct).ConfigureAwait(false);
            }
        }
        else await ExecuteAllAsync(c, tx, ops, merge: true, ct).ConfigureAwait(false);
        await UpsertCheckpointAsync(c, tx, stream, checkpoint, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private async Task ExecuteAllAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<PgChangeOps.Op> ops, bool merge, CancellationToken ct)
    {
        for (var start = 0; start < ops.Count;)
        {
            // consecutive operations of one kind on one table become one statement; order across kinds is kept
            var end = start + 1;
            var batchable = merge && ops[start].Kind is PgChangeOps.Kind.Upsert or PgChangeOps.Kind.DeleteByKey or PgChangeOps.Kind.Insert;
            var limit = Math.Max(1, ParametersPerStatement / Math.Max(1, ops[start].Mapping.Source.Columns.Count));
            while (batchable && end < ops.Count && end - start < limit &&
                   ops[end].Kind == ops[start].Kind && ReferenceEquals(ops[end].Mapping, ops[start].Mapping))
                end++;
            await ExecuteOpsAsync(c, tx, ops, start, end, ct).ConfigureAwait(false);
            start = end;
        }
    }

    private async Task ExecuteOpsAsync(NpgsqlConnection c, NpgsqlTransaction tx, List<PgChangeOps.Op> ops, int start, int end, CancellationToken ct)
    {
        var first = ops[start];
        var table = first.Mapping.Source;
        var target = PgIdentifier.Quote(first.Mapping.Target);
        var columns = WritableColumns(table);
        await using var cmd = new NpgsqlCommand { Connection = c, Transaction = tx };
        var sb = new StringBuilder();
        switch (first.Kind)
        {
            case PgChangeOps.Kind.Upsert or PgChangeOps.Kind.Insert:
                // ON CONFLICT DO UPDATE may not touch one row twice in a statement: of upserts of one key in a run, the last wins
                var images = new List<object?[]>();
                var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var o = start; o < end; o++)
                {
                    if (first.Kind == PgChangeOps.Kind.Upsert)
                    {
                        var key = RowValues.CanonicalRow(PgChangeOps.Key(first.Mapping, ops[o].Values));
                        if (byKey.TryGetValue(key, out var at)) { images[at] = ops[o].Values; continue; }
                        byKey[key] = images.Count;
                    }
                    images.Add(ops[o].Values);
                }
                sb.Append("INSERT INTO ").Append(target).Append(" (")
                  .Append(string.Join(", ", columns.Select(i => PgIdentifier.Quote(table.Columns[i].Name)))).Append(") VALUES ");
                for (var r = 0; r < images.Count; r++)
                {
                    if (r > 0) sb.Append(", ");
                    sb.Append('(');
                    for (var f = 0; f < columns.Length; f++)
                    {
                        if (f > 0) sb.Append(", ");
                        sb.Append(Parameter(cmd, table, table.Columns[columns[f]], images[r][columns[f]]));
                    }
                    sb.Append(')');
                }
                if (first.Kind == PgChangeOps.Kind.Upsert) sb.Append(OnConflict(table, columns));
                break;
            case PgChangeOps.Kind.DeleteByKey:
                sb.Append("DELETE FROM ").Append(target).Append(" WHERE (").Append(string.Join(", ", table.Key.Select(PgIdentifier.Quote))).Append(") IN (");
                var keyColumns = table.KeyOrdinals().Select(i => table.Columns[i]).ToArray();
                for (var o = start; o < end; o++)
                {
                    if (o > start) sb.Append(", ");
                    sb.Append('(');
                    for (var k = 0; k < keyColumns.Length; k++)
                    {
                        if (k > 0) sb.Append(", ");
                        sb.Append(Parameter(cmd, table, keyColumns[k], ops[o].Values[k]));
                    }
                    sb.Append(')');
                }
                sb.Append(')');
                break;
            case PgChangeOps.Kind.DeleteRow:
                sb.Append("DELETE FROM ").Append(target).Append(" WHERE ctid = (SELECT ctid FROM ").Append(target)
                  .Append(" WHERE ").Append(MatchAllColumns(cmd, table, first.Values)).Append(" LIMIT 1)");
                break;
            case PgChangeOps.Kind.UpdateRow:
                sb.Append("UPDATE ").Append(target).Append(" SET ");
                for (var f = 0; f < columns.Length; f++)
                {
                    if (f > 0) sb.Append(", ");
                    sb.Append(PgIdentifier.Quote(table.Columns[columns[f]].Name)).Append(" = ").Append(Parameter(cmd, table, table.Columns[columns[f]], first.After![columns[f]]));
                }
                sb.Append(" WHERE ctid = (SELECT ctid FROM ").Append(target).Append(" WHERE ").Append(MatchAllColumns(cmd, table, first.Values)).Append(" LIMIT 1)");
                break;
        }
        cmd.CommandText = sb.ToString();
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A row without a key is found by all its columns; text-carried types compare as text, since some (json) have no equality.</summary>
    private string MatchAllColumns(NpgsqlCommand cmd, TableSchema table, object?[] values)
    {
        var parts = new List<string>();
        for (var i = 0; i < table.Columns.Count; i++)
        {
            var col = table.Columns[i];
            var kind = _types.Wire(col);
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = PgWire.DbType(kind), Value = PgWire.Parameter(_types.Value(table, col, values[i]), kind) });
            var p = "$" + cmd.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            // a type mapped from another engine has its own equality (jsonb does); PostgreSQL's own types may not (json)
            parts.Add(kind == PgWireKind.TextCast && _types is SameEngineTypeMapper
                ? $"{PgIdentifier.Quote(col.Name)}::text IS NOT DISTINCT FROM {p}"
                : $"{PgIdentifier.Quote(col.Name)} IS NOT DISTINCT FROM {PgWire.ToColumnType(Destination(col), p)}");
        }
        return string.Join(" AND ", parts);
    }

    private string Parameter(NpgsqlCommand cmd, TableSchema table, ColumnSchema col, object? value)
    {
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = PgWire.DbType(_types.Wire(col)), Value = PgWire.Parameter(_types.Value(table, col, value), _types.Wire(col)) });
        return PgWire.ToColumnType(Destination(col), "$" + cmd.Parameters.Count.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The column as the destination table has it: wire values are cast to the mapped type, not the source's.</summary>
    private ColumnSchema Destination(ColumnSchema col) => col with { ColumnType = _types.ColumnType(col), Collation = _types.Collation(col) };
}
