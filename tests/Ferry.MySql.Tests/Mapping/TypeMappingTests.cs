using Ferry.Engine.Mapping;
using Ferry.Engine.Schema;
using Ferry.MySql.Snapshot;
using Ferry.TestSupport;
using Npgsql;

namespace Ferry.MySql.Tests.Mapping;

/// <summary>
/// The cross-engine type table against real servers: every MySQL-family type read from MariaDB maps to a
/// type PostgreSQL accepts, PostgreSQL types map to types MariaDB accepts, and the precheck names exactly
/// the columns that cannot move without loss.
/// </summary>
public sealed class TypeMappingTests : IAsyncLifetime
{
    private readonly string _db = TestServers.UniqueName("typemap");

    public Task InitializeAsync() => TestServers.ExecAsync(TestServers.MariaDbSource, $"""
        CREATE DATABASE `{_db}`;
        CREATE TABLE `{_db}`.t (
          id INT PRIMARY KEY, flag TINYINT(1), ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
          mi MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, d DECIMAL(65,30), f FLOAT, db DOUBLE,
          b BIT(13), y YEAR, dt DATE, dtm DATETIME(3), ts TIMESTAMP(6) NULL, tm TIME(2), c CHAR(10), vc VARCHAR(300),
          cb CHAR(4) CHARACTER SET binary, t TEXT, lt LONGTEXT, bn BINARY(4), vb VARBINARY(9), bl BLOB,
          e ENUM('a', 'b'), st SET('x', 'y'), j JSON, g GEOMETRY, gen INT AS (id + 1) VIRTUAL
        );
        """);

    public async Task DisposeAsync()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_db}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_db}`");
        await using var pg = new NpgsqlConnection(TestServers.PgDest);
        await pg.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_db}\" CASCADE", pg);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Every_MySql_type_maps_to_a_type_PostgreSql_accepts_and_the_lossy_ones_are_named()
    {
        var table = (await new MySqlSnapshotSource(Servers.Source).ReadTableAsync(new TableName(_db, "t"), CancellationToken.None))!;
        var columns = table.Columns.Where(c => !c.IsGenerated).ToList();
        var ddl = $"CREATE SCHEMA \"{_db}\"; CREATE TABLE \"{_db}\".t (" +
                  string.Join(", ", columns.Select(c => $"\"{c.Name}\" {TypeMapping.ToPostgreSql(c).Type}")) + ")";
        await using var pg = new NpgsqlConnection(TestServers.PgDest);
        await pg.OpenAsync();
        await using (var create = new NpgsqlCommand(ddl, pg)) await create.ExecuteNonQueryAsync();
        var created = new Dictionary<string, string>();
        await using (var read = new NpgsqlCommand("SELECT column_name, format_type(a.atttypid, a.atttypmod) FROM information_schema.columns c " +
                                                  "JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass AND a.attname = c.column_name " +
                                                  "WHERE table_schema = @s AND table_name = 't'", pg))
        {
            read.Parameters.AddWithValue("s", _db);
            await using var r = await read.ExecuteReaderAsync();
            while (await r.ReadAsync()) created[r.GetString(0)] = r.GetString(1);
        }
        Assert.Equal(columns.Count, created.Count);
        Assert.Equal("boolean", created["flag"]);
        Assert.Equal("numeric(20,0)", created["biu"]);
        Assert.Equal("bigint", created["iu"]);
        Assert.Equal("numeric(65,30)", created["d"]);
        Assert.Equal("bit varying(13)", created["b"]);
        Assert.Equal("timestamp(3) without time zone", created["dtm"]);
        Assert.Equal("timestamp(6) with time zone", created["ts"]);
        Assert.Equal("interval", created["tm"]);
        Assert.Equal("character varying(300)", created["vc"]);
        Assert.Equal("bytea", created["cb"]);
        Assert.Equal("jsonb", created["j"]);

        var lossy = TypeMapping.Lossy(table, TypeMapping.ToPostgreSql).Select(l => l.Split(' ')[0].Split('.').Last()).Order().ToList();
        Assert.Equal(["c", "dt", "dtm", "e", "flag", "g", "j", "lt", "st", "t", "tm", "vc"], lossy);
    }

    [Fact]
    public async Task PostgreSql_types_map_to_types_MariaDb_accepts()
    {
        var pgColumns = new (string Name, string DataType, string ColumnType, int Precision, int Scale)[]
        {
            ("i2", "smallint", "smallint", 16, 0), ("i4", "integer", "integer", 32, 0), ("i8", "bigint", "bigint", 64, 0),
            ("n", "numeric", "numeric(12,4)", 12, 4), ("nx", "numeric", "numeric", 0, 0), ("r", "real", "real", 24, 0),
            ("dp", "double precision", "double precision", 53, 0), ("bo", "boolean", "boolean", 0, 0),
            ("ch", "character", "character(3)", 0, 0), ("vc", "character varying", "character varying(40)", 0, 0),
            ("vch", "character varying", "character varying(20000)", 0, 0), ("tx", "text", "text", 0, 0), ("by", "bytea", "bytea", 0, 0),
            ("d", "date", "date", 0, 0), ("ts", "timestamp without time zone", "timestamp(3) without time zone", 3, 0),
            ("tz", "timestamp with time zone", "timestamp with time zone", 6, 0), ("tm", "time without time zone", "time(2) without time zone", 2, 0),
            ("iv", "interval", "interval", 6, 0), ("u", "uuid", "uuid", 0, 0), ("jb", "jsonb", "jsonb", 0, 0), ("ip", "inet", "inet", 0, 0),
            ("m", "money", "money", 0, 0), ("bt", "bit", "bit(7)", 0, 0), ("vb", "bit varying", "bit varying(12)", 0, 0), ("arr", "ARRAY", "integer[]", 0, 0), ("en", "USER-DEFINED", "mood", 0, 0),
        };
        var columns = pgColumns.Select(c => new ColumnSchema(c.Name, c.DataType.ToLowerInvariant(), c.ColumnType, true, Precision: c.Precision, Scale: c.Scale)).ToList();
        var ddl = $"CREATE DATABASE `{_db}`; CREATE TABLE `{_db}`.t (" +
                  string.Join(", ", columns.Select(c => $"`{c.Name}` {TypeMapping.ToMySql(c).Type}")) + ")";
        await TestServers.ExecAsync(TestServers.MariaDbDest, ddl);
        var schema = (await new MySqlSnapshotSource(Servers.Dest).ReadTableAsync(new TableName(_db, "t"), CancellationToken.None))!;
        var types = schema.Columns.ToDictionary(c => c.Name, c => c.ColumnType);
        Assert.Equal("decimal(12,4)", types["n"]);
        Assert.Equal("decimal(65,30)", types["nx"]);
        Assert.Equal("tinyint(1)", types["bo"]);
        Assert.Equal("longtext", types["vch"]);
        Assert.Equal("datetime(3)", types["ts"]);
        Assert.Equal("time(2)", types["tm"]);
        Assert.Equal("char(36)", types["u"]);
        Assert.Equal("bit(7)", types["bt"]);
        Assert.Equal("bit(12)", types["vb"]);
        Assert.Contains("leading zeros", TypeMapping.ToMySql(columns.Single(c => c.Name == "vb")).Loss);
        Assert.Equal(pgColumns.Length, schema.Columns.Count);
        var lossy = columns.Select(c => (c.Name, TypeMapping.ToMySql(c))).Where(x => !x.Item2.Lossless).Select(x => x.Name).Order().ToList();
        Assert.Equal(["arr", "d", "en", "iv", "m", "nx", "ts", "tz", "vb"], lossy);
    }
}
