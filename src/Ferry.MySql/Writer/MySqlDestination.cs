using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ferry.Engine.Changes;
using Ferry.Engine.Connections;
using Ferry.Engine.Errors;
using Ferry.Engine.Schema;
using MySqlConnector;

namespace Ferry.MySql.Writer;

/// <summary>
/// Writes to a MySQL-family destination: tables from the source's own DDL, bulk loads with
/// <c>LOAD DATA LOCAL INFILE</c>, and change batches applied idempotently with their checkpoint
/// in the same transaction.
/// </summary>
/// <remarks>
/// Upserts are <c>REPLACE</c>, not <c>INSERT … ON DUPLICATE KEY UPDATE</c>: when a replay from before the
/// copy meets a row that holds the same value in another unique key, ON DUPLICATE KEY UPDATE updates one
/// conflicting row and then fails on the other key; REPLACE removes every conflicting row and the later
/// events of the log restore the one it displaced, so the replay converges. (Sessions run with
/// foreign_key_checks=0, so REPLACE's delete does not cascade.)
/// Tables without a key: inserts are plain INSERTs (a replayed insert duplicates the row, which is why
/// the precheck warns about such tables), updates and deletes match every column with
/// <c>&lt;=&gt;</c> and touch one row (<c>LIMIT 1</c>), as duplicates are indistinguishable.
/// </remarks>
/// <param name="fromPostgreSql">Set when the source is PostgreSQL: tables get MySQL types by the cross-engine type table
/// and every value is converted on writing (bulk, apply and corrections alike).</param>
public sealed partial class MySqlDestination(ConnectionInfo connection, PostgreSqlToMySqlMapper? fromPostgreSql = null) : IDestination
{
    public const string CheckpointDatabase = "__ferry";
    public const string CheckpointTable = "ferry_checkpoint";
    public const string SchemaHistoryTable = "ferry_schema_history";

    /// <summary>Statement parameters are inlined by the driver; this bounds a statement's size.</summary>
    private const int ValuesPerStatement = 20_000;
    // well below the default max_allowed_packet (16 MiB in MariaDB, 64 MiB in MySQL 8), values travel as escaped text
    private const int BytesPerStatement = 4 << 20;

    private static readonly string Checkpoints = MySqlIdentifier.Quote(new TableName(CheckpointDatabase, CheckpointTable));
    private static readonly string SchemaHistory = MySqlIdentifier.Quote(new TableName(CheckpointDatabase, SchemaHistoryTable));
    private volatile bool _checkpointTableReady;

    private Task<MySqlConnection> OpenAsync(CancellationToken ct) => MySqlSessions.OpenAsync(connection, forWriting: true, ct);

    public async Task<string> CreateTableAsync(TableMapping mapping, CancellationToken ct, bool deferSecondaryIndexes = false)
    {
        var source = mapping.Source;
        var target = mapping.Target;
        string ddl;
        if (fromPostgreSql is not null)
        {
            // PostgreSQL compares text by a deterministic collation: two different strings are never equal, so keys
            // 'a' and 'A' are distinct rows. A _ci MySQL collation would merge them (a duplicate-key error, or REPLACE
            // silently dropping one), so every text column gets utf8mb4_bin, which compares by code point.
            // unique indexes before the rows (they are matched by key), the others too unless the copy is to be faster without them
            var shape = fromPostgreSql.Shape(source);
            var indexes = MySqlSchemaObjects.Indexes(source, shape).Where(i => i.Definition is not null && (i.Index.Unique || !deferSecondaryIndexes))
                .Select(i => i.Definition!).ToList();
            ddl = BuildCreateTable(shape, target, indexes, AutoIncrementColumn(source)) + " COLLATE=utf8mb4_bin";
            await using var pc = await OpenAsync(ct).ConfigureAwait(false);
            var pgDb = "CREATE DATABASE IF NOT EXISTS " + MySqlIdentifier.Quote(target.Database) + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
            await ExecuteAsync(pc, null, pgDb, ct).ConfigureAwait(false);
            await ExecuteAsync(pc, null, ddl, ct).ConfigureAwait(false);
            return pgDb + ";\n" + ddl + ";";
        }
        if (ColumnSubset.CreateStatementOf(mapping) is { } full)
        {
            // Foreign keys and CHECKs come after the data (DeferredConstraints); the rest in the destination's dialect.
            var create = DestinationDialect.Convert(TableConstraints.Split(full).Create, connection.Kind);
            // Expressions name objects of the source database in full (a sequence in a DEFAULT, say): follow a database rename.
            if (source.Name.Database != target.Database)
                create = create.Replace(MySqlIdentifier.Quote(source.Name.Database) + ".", MySqlIdentifier.Quote(target.Database) + ".", StringComparison.Ordinal);
            ddl = RenameTable(deferSecondaryIndexes ? SecondaryIndexes.Without(create) : create, target);
        }
        else ddl = BuildCreateTable(source, target);
        var (charset, collation) = DefaultCharset(source.CreateStatement);
        var createDb = "CREATE DATABASE IF NOT EXISTS " + MySqlIdentifier.Quote(target.Database) +
                       (charset is null ? string.Empty : " CHARACTER SET " + charset) +
                       (collation is null ? string.Empty : " COLLATE " + collation);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(c, null, createDb, ct).ConfigureAwait(false);
        // foreign keys in SHOW CREATE TABLE name their parent relative to the current database
        await ExecuteAsync(c, null, "USE " + MySqlIdentifier.Quote(target.Database), ct).ConfigureAwait(false);
        await ExecuteAsync(c, null, ddl, ct).ConfigureAwait(false);
        return createDb + ";\n" + ddl + ";";
    }

    public IReadOnlyList<DeferredConstraint> DeferredConstraints(TableMapping mapping, Func<TableName, TableName> target)
    {
        // a PostgreSQL source's constraints come from the engine-neutral description
        if (fromPostgreSql is not null) return MySqlSchemaObjects.Constraints(mapping, target);
        if (ColumnSubset.CreateStatementOf(mapping) is not { } create) return [];
        return TableConstraints.Split(create).Constraints
            .Select(c => new DeferredConstraint(c.Name, c.Kind, TableConstraints.AddStatement(c, mapping.Source.Name, mapping.Target, target)))
            .ToList();
    }

    /// <summary>What the schema stage leaves out or changes of a PostgreSQL table's objects, for the project's warnings.</summary>
    public IReadOnlyList<string> SchemaWarnings(TableMapping mapping)
    {
        if (fromPostgreSql is null) return [];
        var shape = fromPostgreSql.Shape(mapping.Source);
        return MySqlSchemaObjects.TypeWarnings(mapping.Source, shape)
            .Concat(MySqlSchemaObjects.Indexes(mapping.Source, shape).Where(i => i.Warning is not null).Select(i => i.Warning!))
            .Concat(NumberingAndDefaultWarnings(mapping)).ToList();
    }

    public async Task<string> CreateViewAsync(ViewSchema view, TableName target, Func<TableName, TableName?> rename, CancellationToken ct)
    {
        string body;
        if (fromPostgreSql is not null)
        {
            // PostgreSQL's dialect: translated where the meaning is the same, else refused for the operator's own DDL
            var translated = SqlTranslator.PostgreSqlToMySql(view.Definition.Trim().TrimEnd(';'), rename);
            body = translated.Sql ?? throw new FerryException("schema.view-untranslatable",
                $"view {view.Name} is in PostgreSQL's dialect and {translated.Problem}: retry it with your own DDL (POST …/schema/{view.Name}/retry with {{\"ddl\": …}}) or skip it");
        }
        else
            // The stored query names every table as `db`.`table`; those the project moves get their target names.
            body = QualifiedName().Replace(view.Definition, m =>
            {
                var name = new TableName(m.Groups[1].Value.Replace("``", "`"), m.Groups[2].Value.Replace("``", "`"));
                return rename(name) is { } to ? MySqlIdentifier.Quote(to) : m.Value;
            });
        var security = view.Security.Equals("INVOKER", StringComparison.OrdinalIgnoreCase) ? "INVOKER" : "DEFINER";
        var check = view.CheckOption.ToUpperInvariant() switch
        {
            "LOCAL" => " WITH LOCAL CHECK OPTION",
            "CASCADED" => " WITH CASCADED CHECK OPTION",
            _ => string.Empty,
        };
        // No DEFINER clause: the view belongs to the account Ferry writes with, which exists on the destination.
        var ddl = $"CREATE OR REPLACE SQL SECURITY {security} VIEW {MySqlIdentifier.Quote(target)} AS {body}{check}";
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(c, null, "CREATE DATABASE IF NOT EXISTS " + MySqlIdentifier.Quote(target.Database), ct).ConfigureAwait(false);
        await ExecuteAsync(c, null, ddl, ct).ConfigureAwait(false);
        return ddl + ";";
    }

    public async Task RunDdlAsync(string database, string ddl, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        if (database.Length > 0)
        {
            await ExecuteAsync(c, null, "CREATE DATABASE IF NOT EXISTS " + MySqlIdentifier.Quote(database), ct).ConfigureAwait(false);
            await ExecuteAsync(c, null, "USE " + MySqlIdentifier.Quote(database), ct).ConfigureAwait(false);
        }
        try { await ExecuteAsync(c, null, ddl, ct).ConfigureAwait(false); }
        catch (MySqlException e) { throw new FerryException("ddl.failed", $"the destination refused the statement ({e.Message}): {ddl}", e); }
    }

    /// <summary>Writing sessions turn foreign_key_checks off (rows arrive out of order); a constraint added now must hold for the rows there.</summary>
    public async Task AddConstraintAsync(string database, string ddl, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(c, null, "SET SESSION foreign_key_checks = 1", ct).ConfigureAwait(false);
        if (database.Length > 0) await ExecuteAsync(c, null, "USE " + MySqlIdentifier.Quote(database), ct).ConfigureAwait(false);
        try { await ExecuteAsync(c, null, ddl, ct).ConfigureAwait(false); }
        catch (MySqlException e) { throw new FerryException("ddl.failed", $"the destination refused the statement ({e.Message}): {ddl}", e); }
    }

    /// <summary>The source table's default charset, used for a database Ferry creates (the source database's own default is not in the mapping).</summary>
    private static (string? Charset, string? Collation) DefaultCharset(string? create)
    {
        if (create is null) return (null, null);
        var cs = CharsetPattern().Match(create);
        var co = CollatePattern().Match(create);
        return (cs.Success ? cs.Groups[1].Value : null, co.Success ? co.Groups[1].Value : null);
    }

    public async Task<string?> CreateSecondaryIndexesAsync(TableMapping mapping, CancellationToken ct)
    {
        IReadOnlyList<SecondaryIndexes.Index> wanted;
        if (fromPostgreSql is not null)
            wanted = MySqlSchemaObjects.Indexes(mapping.Source, fromPostgreSql.Shape(mapping.Source))
                .Where(i => i.Definition is not null && !i.Index.Unique).Select(i => new SecondaryIndexes.Index(i.Index.Name, i.Definition!)).ToList();
        else if (ColumnSubset.CreateStatementOf(mapping) is not { } create) return null;
        else wanted = SecondaryIndexes.Of(create);
        if (wanted.Count == 0) return null;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var cmd = new MySqlCommand(
            "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t", c))
        {
            cmd.Parameters.AddWithValue("@d", mapping.Target.Database);
            cmd.Parameters.AddWithValue("@t", mapping.Target.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) existing.Add(r.GetString(0));
        }
        var missing = wanted.Where(i => !existing.Contains(i.Name)).ToList();
        if (missing.Count == 0) return null;
        // One ALTER builds them all in a single pass over the table.
        var ddl = "ALTER TABLE " + MySqlIdentifier.Quote(mapping.Target) + " " + string.Join(", ", missing.Select(i => "ADD " + i.Definition));
        await ExecuteAsync(c, null, ddl, ct).ConfigureAwait(false);
        return ddl;
    }

    public string CorrectionStatement(TableMapping mapping, object?[] key, object?[]? sourceRow)
    {
        if (fromPostgreSql is not null)
        {
            var original = mapping.Source;
            var keyColumns = original.Key.Count == 0 ? WritableColumns(original).Select(i => original.Columns[i]).ToList()
                : original.Key.Select(k => original.Columns[original.IndexOf(k)]).ToList();
            key = key.Select((v, i) => fromPostgreSql.Value(original, keyColumns[i], v)).ToArray();
            sourceRow = sourceRow is null ? null : fromPostgreSql.Row(original, sourceRow);
            mapping = mapping with { Source = fromPostgreSql.Shape(original) };
        }
        var target = MySqlIdentifier.Quote(mapping.Target);
        var table = mapping.Source;
        if (table.Key.Count == 0)
        {
            // Without a key the "key" is the whole row (its writable columns); duplicates are told apart only by count.
            var writable = WritableColumns(table);
            var names = writable.Select(i => MySqlIdentifier.Quote(table.Columns[i].Name)).ToList();
            return sourceRow is null
                ? $"DELETE FROM {target} WHERE " + string.Join(" AND ", names.Select((n, i) => $"{n} <=> {MySqlLiteral.Format(key[i])}")) + " LIMIT 1"
                : $"INSERT INTO {target} ({string.Join(", ", names)}) VALUES ({string.Join(", ", key.Select(MySqlLiteral.Format))})";
        }
        if (sourceRow is null)
            return $"DELETE FROM {target} WHERE " + string.Join(" AND ",
                table.Key.Select((k, i) => $"{MySqlIdentifier.Quote(k)} <=> {MySqlLiteral.Format(key[i])}")) + " LIMIT 1";
        var columns = WritableColumns(table);
        return $"REPLACE INTO {target} (" + string.Join(", ", columns.Select(i => MySqlIdentifier.Quote(table.Columns[i].Name))) +
               ") VALUES (" + string.Join(", ", columns.Select(i => MySqlLiteral.Format(sourceRow[i]))) + ")";
    }

    public static string RenameTable(string create, TableName target)
    {
        var m = CreateTablePrefix().Match(create);
        if (!m.Success) throw new FerryException("schema.unsupported_ddl", $"Cannot rewrite the table DDL for {target}: it does not start with CREATE TABLE.");
        return "CREATE TABLE IF NOT EXISTS " + MySqlIdentifier.Quote(target) + create[m.Length..];
    }

    /// <summary>
    /// A PostgreSQL identity or serial column that MySQL can number: an integer column leading the key (AUTO_INCREMENT
    /// must be indexed, one per table). Others are named by <see cref="NumberingAndDefaultWarnings"/>.
    /// </summary>
    private static string? AutoIncrementColumn(TableSchema source)
    {
        if (source.Key.Count == 0) return null;
        var first = source.Columns[source.IndexOf(source.Key[0])];
        return first.Identity is ColumnSchema.IdentityAlways or ColumnSchema.IdentityByDefault or ColumnSchema.IdentitySerial
               && first.DataType is "int2" or "int4" or "int8" ? first.Name : null;
    }

    /// <summary>PostgreSQL numbering and DEFAULTs that do not reach MySQL, one line each.</summary>
    private List<string> NumberingAndDefaultWarnings(TableMapping mapping)
    {
        var numbered = AutoIncrementColumn(mapping.Source);
        var warnings = new List<string>();
        foreach (var col in mapping.Source.Columns)
        {
            if (col.Identity is not null && col.Name != numbered)
                warnings.Add($"{mapping.Source.Name}.{col.Name}: {col.Identity} numbering is not carried to MySQL (AUTO_INCREMENT needs an integer column leading the key); inserts on the destination must give its value");
            if (col.Default is { } d && col.Identity is null && !col.IsGenerated)
                warnings.Add($"{mapping.Source.Name}.{col.Name}: DEFAULT {d} is in PostgreSQL's dialect and is left out; add it by hand if the application relies on it");
        }
        return warnings;
    }

    /// <summary>Switchover: <c>ALTER TABLE … AUTO_INCREMENT = next</c> when the destination column is AUTO_INCREMENT.</summary>
    public async Task<string?> SetIdentityAsync(TableMapping mapping, IdentityValue value, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using (var cmd = new MySqlCommand(
            "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @d AND TABLE_NAME = @t AND COLUMN_NAME = @c AND EXTRA LIKE '%auto_increment%'", c))
        {
            cmd.Parameters.AddWithValue("@d", mapping.Target.Database);
            cmd.Parameters.AddWithValue("@t", mapping.Target.Table);
            cmd.Parameters.AddWithValue("@c", value.Column);
            if (Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false)) == 0) return null;
        }
        var sql = $"ALTER TABLE {MySqlIdentifier.Quote(mapping.Target)} AUTO_INCREMENT = {value.Next.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        await ExecuteAsync(c, null, sql, ct).ConfigureAwait(false);
        return sql;
    }

    private static string BuildCreateTable(TableSchema source, TableName target, IReadOnlyList<string>? definitions = null, string? autoIncrement = null)
    {
        var sb = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(MySqlIdentifier.Quote(target)).Append(" (");
        for (var i = 0; i < source.Columns.Count; i++)
        {
            var col = source.Columns[i];
            if (i > 0) sb.Append(", ");
            sb.Append(MySqlIdentifier.Quote(col.Name)).Append(' ').Append(col.ColumnType);
            if (col.Charset is { } cs && cs != "binary" && col.DataType is "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set")
                sb.Append(" CHARACTER SET ").Append(cs);
            sb.Append(col.IsNullable ? " NULL" : " NOT NULL");
            if (col.Name == autoIncrement) sb.Append(" AUTO_INCREMENT");
        }
        if (source.Key.Count > 0) sb.Append(", PRIMARY KEY (").Append(string.Join(", ", source.Key.Select(MySqlIdentifier.Quote))).Append(')');
        foreach (var d in definitions ?? []) sb.Append(", ").Append(d);
        return sb.Append(") DEFAULT CHARSET=utf8mb4").ToString();
    }

    public async Task<long> BulkLoadAsync(TableMapping mapping, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
    {
        // MySqlBulkCopy would be the obvious choice, but it refuses YEAR columns and formats TIME/BIT its
        // own way; MySqlBulkLoader is the same LOAD DATA LOCAL path with Ferry's own field encoding.
        if (fromPostgreSql is not null)
        {
            var original = mapping.Source;
            rows = Converted(rows, original, fromPostgreSql, ct);
            mapping = mapping with { Source = fromPostgreSql.Shape(original) };
        }
        var columns = WritableColumns(mapping.Source);
        var fields = new LoadDataStream.Field[columns.Length];
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        var loader = new MySqlBulkLoader(c)
        {
            TableName = MySqlIdentifier.Quote(mapping.Target),
            Local = true,
            CharacterSet = "utf8mb4",
            FieldTerminator = "\t",
            LineTerminator = "\n",
            EscapeCharacter = '\\',
            FieldQuotationCharacter = '\0',
            NumberOfLinesToSkip = 0,
            ConflictOption = MySqlBulkLoaderConflictOption.Replace,
            Timeout = 0,
        };
        for (var f = 0; f < columns.Length; f++)
        {
            var col = mapping.Source.Columns[columns[f]];
            var name = MySqlIdentifier.Quote(col.Name);
            if (IsBinary(col))
            {
                fields[f] = LoadDataStream.Field.Hex;
                loader.Columns.Add($"@v{f}");
                loader.Expressions.Add($"{name} = UNHEX(@v{f})");
            }
            else if (col.DataType == "bit")
            {
                loader.Columns.Add($"@v{f}");
                loader.Expressions.Add($"{name} = CAST(@v{f} AS UNSIGNED)");
            }
            else
            {
                if (col.DataType == "year") fields[f] = LoadDataStream.Field.Year;
                loader.Columns.Add(name);
            }
        }

        await using var stream = new LoadDataStream(rows, columns, fields, ct);
        loader.SourceStream = stream;
        try { await loader.LoadAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (stream.Failure is { } failure && !ReferenceEquals(e, failure))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        // LOAD DATA LOCAL downgrades conversion errors to warnings; any warning means a value did not land exactly
        var warnings = new List<string>();
        var warningCount = 0;
        await using (var cmd = new MySqlCommand("SHOW WARNINGS", c))
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                if (r.GetString(0) != "Note" && warningCount++ < 3) warnings.Add($"{r.GetString(0)} {r.GetValue(1)}: {r.GetString(2)}");
        if (warningCount > 0)
            throw new FerryException("writer.bulk_load_lossy",
                $"Bulk load into {mapping.Target} reported {warningCount} warning(s): {string.Join("; ", warnings)}");
        return stream.Rows;
    }

    private static async IAsyncEnumerable<object?[]> Converted(IAsyncEnumerable<object?[]> rows, TableSchema table, PostgreSqlToMySqlMapper mapper,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false)) yield return mapper.Row(table, row);
    }

    /// <summary>Operations on a PostgreSQL table with values converted and the table described as MySQL's.</summary>
    private static List<ChangeOps.Op> Converted(List<ChangeOps.Op> ops, PostgreSqlToMySqlMapper mapper)
    {
        var shaped = new Dictionary<TableMapping, TableMapping>(ReferenceEqualityComparer.Instance);
        return ops.Select(op =>
        {
            var table = op.Mapping.Source;
            if (!shaped.TryGetValue(op.Mapping, out var mapping))
                shaped[op.Mapping] = mapping = op.Mapping with { Source = mapper.Shape(table) };
            var values = op.Kind == ChangeOps.Kind.DeleteByKey
                ? op.Values.Select((v, i) => mapper.Value(table, table.Columns[table.IndexOf(table.Key[i])], v)).ToArray()
                : mapper.Row(table, op.Values);
            return new ChangeOps.Op(op.Kind, mapping, values, op.After is null ? null : mapper.Row(table, op.After));
        }).ToList();
    }

    private static bool IsBinary(ColumnSchema col) =>
        col.DataType is "binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob" ||
        (string.Equals(col.Charset, "binary", StringComparison.OrdinalIgnoreCase) &&
         col.DataType is "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext");

    /// <summary>Ordinals of the columns Ferry writes: generated columns are computed by the destination.</summary>
    private static int[] WritableColumns(TableSchema table) =>
        Enumerable.Range(0, table.Columns.Count).Where(i => !table.Columns[i].IsGenerated).ToArray();

    /// <summary>Errors that mean a DDL statement's change is already there (it ran before a crash, or by hand).</summary>
    private static readonly HashSet<int> AlreadyApplied =
    [
        1050, // table exists
        1051, // unknown table (dropped already)
        1060, // duplicate column
        1061, // duplicate key name
        1091, // can't drop: column or key does not exist
    ];

    public async Task<string> ApplyDdlAsync(DdlEvent ddl, IReadOnlyDictionary<TableName, TableName> targets, string stream,
        LogPosition position, CancellationToken ct)
    {
        var plan = ddl.Plan ?? throw new FerryException("ddl.unsupported", $"the statement was not understood: {ddl.Statement}");
        TableName Target(TableName t) => targets.TryGetValue(t, out var target) ? target
            : throw new FerryException("ddl.unsupported", $"{t} is not migrated: {ddl.Statement}");
        if (plan.Columns is { } columns)
            return fromPostgreSql is null
                ? throw new FerryException("ddl.unsupported", $"a column change without a statement needs a PostgreSQL source: {ddl.Statement}")
                : await AlterColumnsAsync(columns, Target(columns.After.Name), fromPostgreSql, ct).ConfigureAwait(false);
        var sql = plan.Kind switch
        {
            DdlKind.DropTable => "DROP TABLE IF EXISTS " + string.Join(", ", plan.Tables.Select(r => MySqlIdentifier.Quote(Target(r.Table)))),
            DdlKind.TruncateTable => "TRUNCATE TABLE " + MySqlIdentifier.Quote(Target(plan.Tables[0].Table)),
            DdlKind.AlterTable or DdlKind.CreateTable or DdlKind.CreateIndex or DdlKind.DropIndex => RewriteNames(ddl.Statement, plan, Target),
            _ => throw new FerryException("ddl.unsupported", $"{plan.Reason ?? "not applied automatically"}: {ddl.Statement}"),
        };
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        var database = Target(plan.Tables[0].Table).Database;
        if (plan.Kind == DdlKind.CreateTable)
            await ExecuteAsync(c, null, "CREATE DATABASE IF NOT EXISTS " + MySqlIdentifier.Quote(database), ct).ConfigureAwait(false);
        // Unqualified names inside the statement (e.g. a foreign key's parent) are relative to the target database.
        await ExecuteAsync(c, null, "USE " + MySqlIdentifier.Quote(database), ct).ConfigureAwait(false);
        try { await ExecuteAsync(c, null, sql, ct).ConfigureAwait(false); }
        catch (MySqlException e) when (AlreadyApplied.Contains(e.Number) || (plan.Kind == DdlKind.AlterTable && AlterAlreadyApplied.Contains(e.Number))) { }
        catch (MySqlException e)
        {
            throw new FerryException("ddl.failed", $"applying a DDL statement on the destination failed ({e.Message}): {sql}", e);
        }
        return sql;
    }

    /// <summary>
    /// Follows a PostgreSQL column change through the type mapping (<see cref="PostgreSqlToMySqlMapper"/>), each step
    /// judged against the destination's columns so a re-run does nothing twice. An added column takes the value the
    /// source's existing rows hold (its default when added) through a default that is dropped at once; a type change
    /// is a MODIFY to the newly mapped type. Text columns keep utf8mb4_bin, as the table was created with.
    /// </summary>
    private async Task<string> AlterColumnsAsync(ColumnChange change, TableName target, PostgreSqlToMySqlMapper mapper, CancellationToken ct)
    {
        var shaped = mapper.Shape(change.After);
        string Definition(ColumnSchema source)
        {
            var col = shaped.Columns[change.After.Columns.ToList().FindIndex(x => x.Name == source.Name)];
            var text = col.DataType is "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set";
            return MySqlIdentifier.Quote(col.Name) + " " + col.ColumnType + (text ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : "");
        }
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var cmd = new MySqlCommand("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @db AND TABLE_NAME = @t", c))
        {
            cmd.Parameters.AddWithValue("@db", target.Database);
            cmd.Parameters.AddWithValue("@t", target.Table);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) existing.Add(r.GetString(0));
        }
        var table = MySqlIdentifier.Quote(target);
        var statements = new List<string>();
        foreach (var col in change.Dropped.Where(x => existing.Contains(x.Name)))
            statements.Add($"ALTER TABLE {table} DROP COLUMN {MySqlIdentifier.Quote(col.Name)}");
        foreach (var col in change.Added.Where(x => !existing.Contains(x.Name)))
        {
            var filled = change.Filled.GetValueOrDefault(col.Name) is { } v ? mapper.Value(change.After, col, v) : null;
            statements.Add($"ALTER TABLE {table} ADD COLUMN {Definition(col)}" +
                           (filled is null ? " NULL" : (col.IsNullable ? " NULL" : " NOT NULL") + " DEFAULT " + MySqlLiteral.Format(filled)));
            if (filled is not null) statements.Add($"ALTER TABLE {table} ALTER COLUMN {MySqlIdentifier.Quote(col.Name)} DROP DEFAULT");
        }
        foreach (var (_, to) in change.Retyped)
            statements.Add($"ALTER TABLE {table} MODIFY COLUMN {Definition(to)}{(to.IsNullable ? " NULL" : " NOT NULL")}");
        var sql = string.Join(";\n", statements);
        foreach (var statement in statements)
        {
            try { await ExecuteAsync(c, null, statement, ct).ConfigureAwait(false); }
            catch (MySqlException e)
            {
                throw new FerryException("ddl.failed", $"following a column change of {change.After.Name} on the destination failed ({e.Message}): {statement}", e);
            }
        }
        return sql;
    }

    /// <summary>What a re-run ALTER meets when it ran before: its old names are gone, its new key is there.</summary>
    private static readonly HashSet<int> AlterAlreadyApplied =
    [
        1054, // unknown column: CHANGE / RENAME COLUMN
        1176, // key does not exist: RENAME INDEX
        1068, // multiple primary key: ADD PRIMARY KEY
    ];

    public async Task<string?> RenameTablesAsync(IReadOnlyList<(TableName From, TableName To)> moves, string stream, LogPosition position,
        CancellationToken ct)
    {
        moves = moves.Where(m => m.From != m.To).ToList();
        if (moves.Count == 0) return null;
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        // A rename cannot tell by itself whether it already ran (a swap looks the same before and after),
        // so a marker table is renamed in the same atomic statement: "…_done" exists once it ran.
        var marker = RenameMarkerPrefix(stream) + Hash(position.Value)[..16];
        var existing = await RenameMarkersAsync(c, stream, ct).ConfigureAwait(false);
        if (existing.Contains(marker + "_done", StringComparer.OrdinalIgnoreCase)) return null;
        // Markers of earlier statements: their checkpoints were recorded before this statement was reached.
        foreach (var old in existing.Where(n => !n.StartsWith(marker, StringComparison.OrdinalIgnoreCase)))
            await ExecuteAsync(c, null, "DROP TABLE IF EXISTS " + MySqlIdentifier.Quote(new TableName(CheckpointDatabase, old)), ct).ConfigureAwait(false);
        var todo = MySqlIdentifier.Quote(new TableName(CheckpointDatabase, marker + "_todo"));
        var done = MySqlIdentifier.Quote(new TableName(CheckpointDatabase, marker + "_done"));
        await ExecuteAsync(c, null, $"CREATE TABLE IF NOT EXISTS {todo} (x INT) ENGINE=InnoDB", ct).ConfigureAwait(false);
        // Every table goes through a temporary name first, so cycles need no ordering.
        var temps = moves.Select((m, i) => new TableName(m.From.Database, $"__ferry_rename_{i}_{marker[^8..]}")).ToList();
        var sql = "RENAME TABLE " + string.Join(", ",
            moves.Select((m, i) => $"{MySqlIdentifier.Quote(m.From)} TO {MySqlIdentifier.Quote(temps[i])}")
                .Concat(moves.Select((m, i) => $"{MySqlIdentifier.Quote(temps[i])} TO {MySqlIdentifier.Quote(m.To)}"))
                .Append($"{todo} TO {done}"));
        try
        {
            foreach (var db in moves.Select(m => m.To.Database).Distinct(StringComparer.Ordinal))
                await ExecuteAsync(c, null, "CREATE DATABASE IF NOT EXISTS " + MySqlIdentifier.Quote(db), ct).ConfigureAwait(false);
            await ExecuteAsync(c, null, sql, ct).ConfigureAwait(false);
        }
        catch (MySqlException e)
        {
            throw new FerryException("ddl.failed", $"renaming tables on the destination failed ({e.Message}): {sql}", e);
        }
        return sql;
    }

    private static string Hash(string s) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    public async Task RecordSchemasAsync(string stream, LogPosition checkpoint, IReadOnlyList<SchemaHistoryEntry> entries, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var e in entries)
            {
                await using var cmd = new MySqlCommand(
                    $"INSERT INTO {SchemaHistory} (stream, position, source_database, source_table, target_database, target_table, definition, note, recorded_at) " +
                    "VALUES (@s, @p, @sd, @st, @td, @tt, @def, @note, UTC_TIMESTAMP(6))", c, tx);
                cmd.Parameters.AddWithValue("@s", stream);
                cmd.Parameters.AddWithValue("@p", e.Position.Value);
                cmd.Parameters.AddWithValue("@sd", e.Table.Database);
                cmd.Parameters.AddWithValue("@st", e.Table.Table);
                cmd.Parameters.AddWithValue("@td", e.Target?.Database);
                cmd.Parameters.AddWithValue("@tt", e.Target?.Table);
                cmd.Parameters.AddWithValue("@def", e.Schema is null ? null : JsonSerializer.Serialize(e.Schema));
                cmd.Parameters.AddWithValue("@note", e.Note);
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await UpsertCheckpointAsync(c, tx, stream, checkpoint, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await tx.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyList<SchemaHistoryEntry>> ReadSchemaHistoryAsync(string stream, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var cmd = new MySqlCommand(
            "SELECT position, source_database, source_table, target_database, target_table, definition, note " +
            $"FROM {SchemaHistory} WHERE stream = @s ORDER BY seq", c);
        cmd.Parameters.AddWithValue("@s", stream);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<SchemaHistoryEntry>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            var table = new TableName(r.GetString(1), r.GetString(2));
            var schema = r.IsDBNull(5) ? null
                : JsonSerializer.Deserialize<TableSchema>(r.GetString(5))
                  ?? throw new FerryException("schema.history-invalid", $"the schema history of {stream} has an empty definition for {table}");
            var target = r.IsDBNull(3) ? null : new TableName(r.GetString(3), r.GetString(4));
            list.Add(new SchemaHistoryEntry(table, new LogPosition(r.GetString(0)), schema, target, r.IsDBNull(6) ? null : r.GetString(6)));
        }
        return list;
    }

    /// <summary>The statement with each table name replaced by its quoted target, the rest untouched.</summary>
    private static string RewriteNames(string statement, DdlPlan plan, Func<TableName, TableName> target)
    {
        var sb = new StringBuilder(statement);
        foreach (var r in plan.Tables.OrderByDescending(r => r.Start))
            sb.Remove(r.Start, r.Length).Insert(r.Start, MySqlIdentifier.Quote(target(r.Table)));
        return sb.ToString();
    }

    public async Task<LogPosition?> ReadCheckpointAsync(string stream, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var cmd = new MySqlCommand($"SELECT position FROM {Checkpoints} WHERE stream = @s", c);
        cmd.Parameters.AddWithValue("@s", stream);
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
        await using (var cmd = new MySqlCommand($"DELETE FROM {Checkpoints} WHERE stream = @s", c))
        {
            cmd.Parameters.AddWithValue("@s", stream);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await using (var cmd = new MySqlCommand($"DELETE FROM {SchemaHistory} WHERE stream = @s", c))
        {
            cmd.Parameters.AddWithValue("@s", stream);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        foreach (var marker in await RenameMarkersAsync(c, stream, ct).ConfigureAwait(false))
            await ExecuteAsync(c, null, "DROP TABLE IF EXISTS " + MySqlIdentifier.Quote(new TableName(CheckpointDatabase, marker)), ct).ConfigureAwait(false);
    }

    /// <summary>The rename marker tables of a stream (see <see cref="RenameTablesAsync"/>).</summary>
    private static async Task<List<string>> RenameMarkersAsync(MySqlConnection c, string stream, CancellationToken ct)
    {
        var markers = new List<string>();
        await using var cmd = new MySqlCommand(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @d AND TABLE_NAME LIKE @p", c);
        cmd.Parameters.AddWithValue("@d", CheckpointDatabase);
        cmd.Parameters.AddWithValue("@p", RenameMarkerPrefix(stream).Replace("_", "\\_") + "%");
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) markers.Add(r.GetString(0));
        return markers;
    }

    private static string RenameMarkerPrefix(string stream) => "ddl_" + Hash(stream)[..10] + "_";

    private async Task EnsureCheckpointTableAsync(MySqlConnection c, CancellationToken ct)
    {
        if (_checkpointTableReady) return;
        // DDL commits implicitly, so it must never run inside an apply transaction
        await ExecuteAsync(c, null,
            $"CREATE DATABASE IF NOT EXISTS {MySqlIdentifier.Quote(CheckpointDatabase)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", ct).ConfigureAwait(false);
        await ExecuteAsync(c, null,
            $"""
             CREATE TABLE IF NOT EXISTS {Checkpoints} (
               stream VARCHAR(200) NOT NULL PRIMARY KEY,
               position TEXT NOT NULL,
               updated_at DATETIME(6) NOT NULL
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
             """, ct).ConfigureAwait(false);
        await ExecuteAsync(c, null,
            $"""
             CREATE TABLE IF NOT EXISTS {SchemaHistory} (
               seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
               stream VARCHAR(200) NOT NULL,
               position TEXT NOT NULL,
               source_database VARCHAR(64) NOT NULL,
               source_table VARCHAR(64) NOT NULL,
               target_database VARCHAR(64) NULL,
               target_table VARCHAR(64) NULL,
               definition LONGTEXT NULL,
               note TEXT NULL,
               recorded_at DATETIME(6) NOT NULL,
               KEY by_stream (stream, seq)
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
             """, ct).ConfigureAwait(false);
        _checkpointTableReady = true;
    }

    private static async Task UpsertCheckpointAsync(MySqlConnection c, MySqlTransaction? tx, string stream, LogPosition checkpoint, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand(
            $"INSERT INTO {Checkpoints} (stream, position, updated_at) VALUES (@s, @p, UTC_TIMESTAMP(6)) " +
            "ON DUPLICATE KEY UPDATE position = VALUES(position), updated_at = VALUES(updated_at)", c, tx);
        cmd.Parameters.AddWithValue("@s", stream);
        cmd.Parameters.AddWithValue("@p", checkpoint.Value);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task ApplyAsync(IReadOnlyList<TransactionEvent> transactions, Func<TableName, TableMapping?> map,
        string stream, LogPosition checkpoint, CancellationToken ct)
    {
        var ops = ChangeOps.From(transactions, map);
        if (fromPostgreSql is not null) ops = Converted(ops, fromPostgreSql);
        // the batch's net effect per key: deletes first, then the final images (README "Incremental apply")
        ops = ChangeOps.Net(ops).All();
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureCheckpointTableAsync(c, ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        try
        {
            for (var start = 0; start < ops.Count;)
            {
                // consecutive operations of one kind on one table become one statement; order across kinds is kept
                var end = start + 1;
                var batchable = ops[start].Kind is ChangeOps.Kind.Upsert or ChangeOps.Kind.DeleteByKey or ChangeOps.Kind.Insert;
                var limit = Math.Max(1, ValuesPerStatement / Math.Max(1, ops[start].Mapping.Source.Columns.Count));
                var bytes = ChangeOps.Size(ops[start]);
                while (batchable && end < ops.Count && end - start < limit && bytes < BytesPerStatement &&
                       ops[end].Kind == ops[start].Kind && ReferenceEquals(ops[end].Mapping, ops[start].Mapping))
                    bytes += ChangeOps.Size(ops[end++]);
                await ExecuteOpsAsync(c, tx, ops, start, end, ct).ConfigureAwait(false);
                start = end;
            }
            await UpsertCheckpointAsync(c, tx, stream, checkpoint, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await tx.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExecuteOpsAsync(MySqlConnection c, MySqlTransaction tx, List<ChangeOps.Op> ops, int start, int end, CancellationToken ct)
    {
        var first = ops[start];
        var table = first.Mapping.Source;
        var target = MySqlIdentifier.Quote(first.Mapping.Target);
        var columns = WritableColumns(table);
        await using var cmd = new MySqlCommand { Connection = c, Transaction = tx };
        var sb = new StringBuilder();
        switch (first.Kind)
        {
            case ChangeOps.Kind.Upsert or ChangeOps.Kind.Insert:
                sb.Append(first.Kind == ChangeOps.Kind.Upsert ? "REPLACE INTO " : "INSERT INTO ").Append(target).Append(" (")
                  .Append(string.Join(", ", columns.Select(i => MySqlIdentifier.Quote(table.Columns[i].Name)))).Append(") VALUES ");
                for (var o = start; o < end; o++)
                {
                    if (o > start) sb.Append(", ");
                    sb.Append('(');
                    for (var f = 0; f < columns.Length; f++)
                    {
                        if (f > 0) sb.Append(", ");
                        var name = $"@r{o - start}_{f}";
                        cmd.Parameters.AddWithValue(name, ZeroDate.ToSql(ops[o].Values[columns[f]]));
                        sb.Append(name);
                    }
                    sb.Append(')');
                }
                break;
            case ChangeOps.Kind.DeleteByKey when table.Key.Count == 1:
                sb.Append("DELETE FROM ").Append(target).Append(" WHERE ").Append(MySqlIdentifier.Quote(table.Key[0])).Append(" IN (");
                for (var o = start; o < end; o++)
                {
                    if (o > start) sb.Append(", ");
                    sb.Append(Snapshot.KeyPredicate.Parameter(table, table.Key[0], ops[o].Values[0], $"@k{o - start}", cmd.Parameters));
                }
                sb.Append(')');
                break;
            case ChangeOps.Kind.DeleteByKey:
                sb.Append("DELETE FROM ").Append(target).Append(" WHERE ");
                for (var o = start; o < end; o++)
                {
                    if (o > start) sb.Append(" OR ");
                    sb.Append(Snapshot.KeyPredicate.Equal(table, table.Key, ops[o].Values, $"k{o - start}_", cmd.Parameters));
                }
                break;
            case ChangeOps.Kind.DeleteRow:
                sb.Append("DELETE FROM ").Append(target).Append(" WHERE ")
                  .Append(MatchAllColumns(table, first.Values, cmd.Parameters)).Append(" LIMIT 1");
                break;
            case ChangeOps.Kind.UpdateRow:
                sb.Append("UPDATE ").Append(target).Append(" SET ");
                for (var f = 0; f < columns.Length; f++)
                {
                    if (f > 0) sb.Append(", ");
                    sb.Append(MySqlIdentifier.Quote(table.Columns[columns[f]].Name)).Append(" = @n").Append(f);
                    cmd.Parameters.AddWithValue("@n" + f, ZeroDate.ToSql(first.After![columns[f]]));
                }
                sb.Append(" WHERE ").Append(MatchAllColumns(table, first.Values, cmd.Parameters)).Append(" LIMIT 1");
                break;
        }
        cmd.CommandText = sb.ToString();
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string MatchAllColumns(TableSchema table, object?[] values, MySqlParameterCollection parameters)
    {
        var columns = table.Columns.Select(col => col.Name).ToList();
        return Snapshot.KeyPredicate.Equal(table, columns, values, "w", parameters, nullSafe: true);
    }

    private static async Task ExecuteAsync(MySqlConnection c, MySqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = new MySqlCommand(sql, c, tx);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    [GeneratedRegex(@"`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:`(?:[^`]|``)+`|\w+)(?:\.(?:`(?:[^`]|``)+`|\w+))?\s*", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTablePrefix();

    [GeneratedRegex(@"\)[^)]*DEFAULT\s+CHARSET\s*=\s*(\w+)[^)]*$", RegexOptions.IgnoreCase)]
    private static partial Regex CharsetPattern();

    [GeneratedRegex(@"\)[^)]*COLLATE\s*=\s*(\w+)[^)]*$", RegexOptions.IgnoreCase)]
    private static partial Regex CollatePattern();
}
