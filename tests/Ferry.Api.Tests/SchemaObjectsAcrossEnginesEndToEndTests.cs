using System.Text.Json.Nodes;
using Ferry.Api.Tests.Support;
using Ferry.TestSupport;
using MySqlConnector;
using Npgsql;

namespace Ferry.Api.Tests;

/// <summary>
/// Indexes (unique and not, multi-column, descending), foreign keys, CHECKs, views, enums and (PostgreSQL) domains
/// through the schema stage for the three engine pairs with PostgreSQL: after schema + full, each object is looked
/// up in the destination's own catalog, the constraints are shown to be enforced, the rows are compared with the
/// test's own SQL, and objects in a dialect Ferry does not translate are reported Failed by name and fixed with
/// the operator's DDL (retry with ddl), after which the project completes.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class SchemaObjectsAcrossEnginesEndToEndTests : IAsyncLifetime
{
    private readonly string _name = TestServers.UniqueName("schemaobj").ToLowerInvariant();
    private readonly FerryNode _node = new(FerryNode.NewMetadataDatabase(), "test-admin-" + Guid.NewGuid().ToString("N"));
    private FerryClient _api = null!;

    public async Task InitializeAsync()
    {
        await _node.StartAsync();
        _api = new FerryClient(_node.BaseAddress, _node.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        await _node.DisposeAsync();
        await PgSql.ExecAsync(TestServers.PgSource, $"DROP SCHEMA IF EXISTS \"{_name}\" CASCADE");
        await PgSql.ExecAsync(TestServers.PgDest, $"DROP SCHEMA IF EXISTS \"{_name}\" CASCADE");
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"DROP DATABASE IF EXISTS `{_name}`");
        await TestServers.ExecAsync(TestServers.MariaDbDest, $"DROP DATABASE IF EXISTS `{_name}`");
    }

    private const string PgSourceObjects = """
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
        CREATE TABLE parent (id int PRIMARY KEY, code varchar(20) NOT NULL, CONSTRAINT parent_code_key UNIQUE (code));
        CREATE TABLE child (
          id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id) ON DELETE CASCADE, qty posint NOT NULL, m mood NOT NULL,
          name varchar(100), created date, note text,
          CONSTRAINT ck_qty CHECK (qty < 1000));
        CREATE UNIQUE INDEX child_name_created ON child (name, created DESC);
        CREATE INDEX child_parent_created ON child (parent_id, created DESC);
        INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 20) g;
        INSERT INTO child SELECT g, 1 + g % 20, 1 + g % 7, (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood, 'n' || g, DATE '2024-01-01' + g, 'a note ' || g
        FROM generate_series(1, 200) g;
        CREATE VIEW v_child AS SELECT c.id, p.code, c.qty FROM child c JOIN parent p ON p.id = c.parent_id WHERE c.qty > 2;
        """;

    [Fact]
    public async Task PostgreSql_to_PostgreSql_carries_every_object_with_types_first()
    {
        await PgSql.ExecAsync(TestServers.PgSource, $"CREATE SCHEMA \"{_name}\"; SET search_path = \"{_name}\";\n" + PgSourceObjects + """
            CREATE INDEX child_lower ON child (lower(name)) WHERE name IS NOT NULL;
            CREATE TABLE booking (id int PRIMARY KEY, during tsrange NOT NULL, CONSTRAINT booking_no_overlap EXCLUDE USING gist (during WITH &&));
            INSERT INTO booking VALUES (1, '[2024-01-01, 2024-01-02)'), (2, '[2024-01-02, 2024-01-03)');
            """);
        var scenario = new Scenario(_api);
        var id = await StartAsync(await PgDataSourceAsync("pg-src", TestServers.PgSource), await PgDataSourceAsync("pg-dst", TestServers.PgDest));
        var completed = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(2), "the project to complete");
        Assert.Equal(0, Scenario.Stage(completed, "verify")["inconsistentTables"]!.GetValue<int>());

        var dst = TestServers.PgDest;
        Assert.Equal(["sad,ok,happy"], await PgRowsAsync(dst,
            $"SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = '{_name}' AND t.typname = 'mood'"));
        Assert.Equal(["integer|CHECK ((VALUE > 0))"], await PgRowsAsync(dst,
            $"SELECT format_type(t.typbasetype, t.typtypmod), pg_get_constraintdef(c.oid) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_constraint c ON c.contypid = t.oid WHERE n.nspname = '{_name}' AND t.typname = 'posint'"));
        Assert.Equal([
                $"booking_no_overlap|CREATE INDEX booking_no_overlap ON {_name}.booking USING gist (during)",
                $"booking_pkey|CREATE UNIQUE INDEX booking_pkey ON {_name}.booking USING btree (id)",
                $"child_lower|CREATE INDEX child_lower ON {_name}.child USING btree (lower((name)::text)) WHERE (name IS NOT NULL)",
                $"child_name_created|CREATE UNIQUE INDEX child_name_created ON {_name}.child USING btree (name, created DESC)",
                $"child_parent_created|CREATE INDEX child_parent_created ON {_name}.child USING btree (parent_id, created DESC)",
                $"child_pkey|CREATE UNIQUE INDEX child_pkey ON {_name}.child USING btree (id)",
                $"parent_code_key|CREATE UNIQUE INDEX parent_code_key ON {_name}.parent USING btree (code)",
                $"parent_pkey|CREATE UNIQUE INDEX parent_pkey ON {_name}.parent USING btree (id)",
            ],
            await PgRowsAsync(dst, $"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '{_name}' ORDER BY 1"));
        Assert.Equal([
                "booking|p|booking_pkey|PRIMARY KEY (id)",
                "booking|x|booking_no_overlap|EXCLUDE USING gist (during WITH &&)",
                "child|c|ck_qty|CHECK (((qty)::integer < 1000))",
                $"child|f|child_parent_id_fkey|FOREIGN KEY (parent_id) REFERENCES {_name}.parent(id) ON DELETE CASCADE",
                "child|p|child_pkey|PRIMARY KEY (id)",
                "parent|p|parent_pkey|PRIMARY KEY (id)",
                "parent|u|parent_code_key|UNIQUE (code)",
            ],
            await PgRowsAsync(dst, $"SELECT conrelid::regclass::text, contype, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = '{_name}'::regnamespace AND conrelid <> 0 ORDER BY 1, 2, 3"
                .Replace("conrelid::regclass::text", $"replace(conrelid::regclass::text, '{_name}.', '')", StringComparison.Ordinal)));

        foreach (var table in new[] { "parent", "child", "booking" })
            Assert.Equal(await PgSql.RowsAsync(TestServers.PgSource, _name, table, "id"), await PgSql.RowsAsync(dst, _name, table, "id"));
        Assert.Equal(await PgRowsAsync(TestServers.PgSource, $"SELECT * FROM \"{_name}\".v_child ORDER BY id"), await PgRowsAsync(dst, $"SELECT * FROM \"{_name}\".v_child ORDER BY id"));

        // enforced: the foreign key, the CHECK, the domain's CHECK and the enum
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child VALUES (9001, 12345, 1, 'ok')", "23503");
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child VALUES (9002, 1, 5000, 'ok')", "23514");
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child VALUES (9003, 1, 0, 'ok')", "23514");
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child VALUES (9004, 1, 1, 'angry')", "22P02");
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".booking VALUES (3, '[2024-01-01 12:00, 2024-01-05)')", "23P01");
    }

    [Fact]
    public async Task MariaDb_to_PostgreSql_renders_indexes_and_constraints_and_reports_what_it_cannot_translate()
    {
        await TestServers.ExecAsync(TestServers.MariaDbSource, $"CREATE DATABASE `{_name}` CHARACTER SET utf8mb4");
        await TestServers.ExecAsync(TestServers.MariaDbSource, """
            CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, UNIQUE KEY uq_code (code));
            CREATE TABLE child (
              id INT PRIMARY KEY, parent_id INT NOT NULL, qty INT NOT NULL, mood ENUM('sad', 'ok', 'happy') NOT NULL,
              name VARCHAR(100), created DATE, body TEXT,
              UNIQUE KEY uq_name_created (name, created DESC),
              KEY by_parent_created (parent_id, created DESC),
              KEY by_name_prefix (name(10)),
              FULLTEXT KEY ft_body (body),
              CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,
              CONSTRAINT ck_qty CHECK (qty > 0 AND qty < 1000),
              CONSTRAINT ck_div CHECK (qty DIV 1 >= 0));
            INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_20;
            INSERT INTO child SELECT seq, 1 + seq % 20, 1 + seq % 7, 1 + seq % 3, CONCAT('n', seq), DATE '2024-01-01' + INTERVAL seq DAY, CONCAT('body ', seq)
            FROM seq_1_to_200;
            CREATE VIEW v_child AS SELECT c.id, p.code, c.qty FROM child c JOIN parent p ON p.id = c.parent_id WHERE c.qty > 2;
            CREATE VIEW v_shout AS SELECT id, CONCAT(code, '!') AS shout FROM parent;
            """, _name);
        var scenario = new Scenario(_api);
        var id = await StartAsync(await scenario.CreateDataSourceAsync("maria-src", TestServers.MariaDbSource), await PgDataSourceAsync("pg-dst", TestServers.PgDest));

        var failed = await scenario.WaitUntilAsync(id, p => Scenario.Status(p) == "Failed", "the schema stage to fail");
        Assert.Equal("schema.create-failed", failed["error"]!["code"]!.GetValue<string>());
        var schema = await SchemaAsync(id);
        Assert.Equal("Failed", Status(schema, "child.ck_div"));
        Assert.Contains("div", Error(schema, "child.ck_div"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Failed", Status(schema, "v_shout"));
        Assert.Contains("concat", Error(schema, "v_shout"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Completed", Status(schema, "v_child"));
        foreach (var pending in new[] { "child.fk_parent", "child.ck_qty", "child.mood_enum" }) Assert.Equal("Pending", Status(schema, pending));

        await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_name}.v_shout/retry", new { ddl = "CREATE OR REPLACE VIEW v_shout AS SELECT id, code || '!' AS shout FROM parent" });
        Assert.Equal("Failed", Scenario.Status(await scenario.GetProjectAsync(id)));
        await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_name}.child.ck_div/retry", new { ddl = "ALTER TABLE child ADD CONSTRAINT ck_div CHECK (qty / 1 >= 0)" });
        var completed = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(2), "the project to complete");
        Assert.Equal(0, Scenario.Stage(completed, "verify")["inconsistentTables"]!.GetValue<int>());
        schema = await SchemaAsync(id);
        foreach (var done in new[] { "child.fk_parent", "child.ck_qty", "child.mood_enum", "child.ck_div", "v_shout", "v_child" }) Assert.Equal("Completed", Status(schema, done));

        var dst = TestServers.PgDest;
        Assert.Equal([
                $"child_by_name_prefix|CREATE INDEX child_by_name_prefix ON {_name}.child USING btree (name)",
                $"child_by_parent_created|CREATE INDEX child_by_parent_created ON {_name}.child USING btree (parent_id, created DESC)",
                $"child_pkey|CREATE UNIQUE INDEX child_pkey ON {_name}.child USING btree (id)",
                $"child_uq_name_created|CREATE UNIQUE INDEX child_uq_name_created ON {_name}.child USING btree (name, created DESC)",
                $"parent_pkey|CREATE UNIQUE INDEX parent_pkey ON {_name}.parent USING btree (id)",
                $"parent_uq_code|CREATE UNIQUE INDEX parent_uq_code ON {_name}.parent USING btree (code)",
            ],
            await PgRowsAsync(dst, $"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '{_name}' ORDER BY 1"));
        Assert.Equal([
                "c|ck_div|CHECK (((qty / 1) >= 0))",
                "c|ck_qty|CHECK (((qty > 0) AND (qty < 1000)))",
                "c|mood_enum|CHECK ((mood = ANY (ARRAY['sad'::text, 'ok'::text, 'happy'::text])))",
                // MariaDB's default rule is RESTRICT, and says so
                $"f|fk_parent|FOREIGN KEY (parent_id) REFERENCES {_name}.parent(id) ON UPDATE RESTRICT ON DELETE CASCADE",
                "p|child_pkey|PRIMARY KEY (id)",
            ],
            await PgRowsAsync(dst, $"SELECT contype, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '\"{_name}\".child'::regclass ORDER BY 1, 2"));
        var warnings = await WarningsAsync(id);
        Assert.Contains(warnings, w => w.Contains("FULLTEXT", StringComparison.Ordinal) && w.Contains("ft_body", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("by_name_prefix", StringComparison.Ordinal) && w.Contains("name(10)", StringComparison.Ordinal));

        Assert.Equal(await MyRowsAsync(TestServers.MariaDbSource, "SELECT id, parent_id, qty, CAST(mood AS CHAR), name, DATE_FORMAT(created, '%Y-%m-%d'), body FROM child ORDER BY id", _name),
            await PgRowsAsync(dst, $"SELECT id, parent_id, qty, mood, name, to_char(created, 'YYYY-MM-DD'), body FROM \"{_name}\".child ORDER BY id"));
        Assert.Equal(await MyRowsAsync(TestServers.MariaDbSource, "SELECT id, code, qty FROM v_child ORDER BY id", _name),
            await PgRowsAsync(dst, $"SELECT id, code, qty FROM \"{_name}\".v_child ORDER BY id"));
        Assert.Equal(["1|p1!"], await PgRowsAsync(dst, $"SELECT id, shout FROM \"{_name}\".v_shout WHERE id = 1"));

        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child (id, parent_id, qty, mood) VALUES (9001, 12345, 1, 'ok')", "23503");
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child (id, parent_id, qty, mood) VALUES (9002, 1, 5000, 'ok')", "23514");
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child (id, parent_id, qty, mood) VALUES (9003, 1, 1, 'angry')", "23514");
        await AssertPgRefusedAsync(dst, $"INSERT INTO \"{_name}\".child (id, parent_id, qty, mood, name, created) VALUES (9004, 1, 1, 'ok', 'n1', '2024-01-02')", "23505");
    }

    [Fact]
    public async Task PostgreSql_to_MariaDb_maps_enums_domains_and_indexes_and_reports_what_it_cannot_translate()
    {
        await PgSql.ExecAsync(TestServers.PgSource, $"CREATE SCHEMA \"{_name}\"; SET search_path = \"{_name}\";\n" + PgSourceObjects + """
            CREATE INDEX child_note ON child (note);
            CREATE UNIQUE INDEX child_note_unique ON child (note);
            CREATE INDEX child_lower ON child (lower(name));
            ALTER TABLE child ADD CONSTRAINT ck_note CHECK (note ~ '^a');
            CREATE VIEW v_shout AS SELECT id, code || '!' AS shout FROM parent;
            """);
        var scenario = new Scenario(_api);
        var id = await StartAsync(await PgDataSourceAsync("pg-src", TestServers.PgSource), await scenario.CreateDataSourceAsync("maria-dst", TestServers.MariaDbDest));

        var failed = await scenario.WaitUntilAsync(id, p => Scenario.Status(p) == "Failed", "the schema stage to fail");
        Assert.Equal("schema.create-failed", failed["error"]!["code"]!.GetValue<string>());
        var schema = await SchemaAsync(id);
        Assert.Equal("Failed", Status(schema, "child.ck_note"));
        Assert.Contains("'~'", Error(schema, "child.ck_note"), StringComparison.Ordinal);
        Assert.Equal("Failed", Status(schema, "v_shout"));
        Assert.Contains("||", Error(schema, "v_shout"), StringComparison.Ordinal);
        Assert.Equal("Completed", Status(schema, "v_child"));

        await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_name}.v_shout/retry", new { ddl = "CREATE OR REPLACE VIEW v_shout AS SELECT id, CONCAT(code, '!') AS shout FROM parent" });
        await _api.PostOkAsync($"/api/v1/projects/{id}/schema/{_name}.child.ck_note/retry", new { ddl = "ALTER TABLE child ADD CONSTRAINT ck_note CHECK (note LIKE 'a%')" });
        var completed = await scenario.WaitAsync(id, p => Scenario.Status(p) == "Completed", TimeSpan.FromMinutes(2), "the project to complete");
        Assert.Equal(0, Scenario.Stage(completed, "verify")["inconsistentTables"]!.GetValue<int>());
        schema = await SchemaAsync(id);
        foreach (var done in new[] { "child.child_parent_id_fkey", "child.ck_qty", "child.qty_posint_check", "child.ck_note", "v_shout", "v_child" })
            Assert.Equal("Completed", Status(schema, done));

        var dst = TestServers.MariaDbDest;
        Assert.Equal(["m|enum('sad','ok','happy')|NO", "qty|int(11)|NO"], await MyRowsAsync(dst,
            $"SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{_name}' AND TABLE_NAME = 'child' AND COLUMN_NAME IN ('m', 'qty') ORDER BY 1"));
        Assert.Equal([
                "child|child_name_created|0|1|name||A", "child|child_name_created|0|2|created||D",
                "child|child_note|1|1|note|191|A",
                "child|child_parent_created|1|1|parent_id||A", "child|child_parent_created|1|2|created||D",
                "child|PRIMARY|0|1|id||A",
                "parent|parent_code_key|0|1|code||A",
                "parent|PRIMARY|0|1|id||A",
            ],
            await MyRowsAsync(dst, $"SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, COALESCE(SUB_PART, ''), COLLATION FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{_name}' ORDER BY 1, 2, 4"));
        Assert.Equal([
                "CHECK|ck_note|`note` like 'a%'", "CHECK|ck_qty|`qty` < 1000", "CHECK|qty_posint_check|`qty` > 0",
                "FOREIGN KEY|child_parent_id_fkey|", "PRIMARY KEY|PRIMARY|", "UNIQUE|child_name_created|",
            ],
            await MyRowsAsync(dst, $"""
                SELECT tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, COALESCE(cc.CHECK_CLAUSE, '') FROM information_schema.TABLE_CONSTRAINTS tc
                LEFT JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.TABLE_NAME = tc.TABLE_NAME AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
                WHERE tc.TABLE_SCHEMA = '{_name}' AND tc.TABLE_NAME = 'child' ORDER BY 1, 2
                """));
        var warnings = await WarningsAsync(id);
        Assert.Contains(warnings, w => w.Contains("child_note_unique", StringComparison.Ordinal) && w.Contains("not created", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("index child_note ", StringComparison.Ordinal) && w.Contains("191", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("child_lower", StringComparison.Ordinal) && w.Contains("not created", StringComparison.Ordinal));
        // the enum and the domain over integer map by their own types, not to LONGTEXT
        Assert.DoesNotContain(warnings, w => w.Contains(".child.m (", StringComparison.Ordinal) || w.Contains(".child.qty (", StringComparison.Ordinal));

        Assert.Equal(await PgRowsAsync(TestServers.PgSource, $"SELECT id, parent_id, qty::int, m::text, name, to_char(created, 'YYYY-MM-DD'), note FROM \"{_name}\".child ORDER BY id"),
            await MyRowsAsync(dst, "SELECT id, parent_id, qty, CAST(m AS CHAR), name, DATE_FORMAT(created, '%Y-%m-%d'), note FROM child ORDER BY id", _name));
        Assert.Equal(await PgRowsAsync(TestServers.PgSource, $"SELECT id, code, qty::int FROM \"{_name}\".v_child ORDER BY id"),
            await MyRowsAsync(dst, "SELECT id, code, qty FROM v_child ORDER BY id", _name));
        Assert.Equal(["1|p1!"], await MyRowsAsync(dst, "SELECT id, shout FROM v_shout WHERE id = 1", _name));

        await AssertMyRefusedAsync(dst, "INSERT INTO child (id, parent_id, qty, m) VALUES (9001, 12345, 1, 'ok')", "foreign key");
        await AssertMyRefusedAsync(dst, "INSERT INTO child (id, parent_id, qty, m) VALUES (9002, 1, 0, 'ok')", "qty_posint_check");
        await AssertMyRefusedAsync(dst, "INSERT INTO child (id, parent_id, qty, m) VALUES (9003, 1, 5000, 'ok')", "ck_qty");
        await AssertMyRefusedAsync(dst, "INSERT INTO child (id, parent_id, qty, m) VALUES (9004, 1, 1, 'angry')", "m");
    }

    private async Task<string> StartAsync(string src, string dst)
    {
        var id = (await _api.PostOkAsync("/api/v1/projects", Scenario.MigrationBody("schemaobj", src, dst, _name, ["schema", "full", "verify"])))["id"]!.GetValue<string>();
        await _api.PostOkAsync($"/api/v1/projects/{id}/start");
        return id;
    }

    private async Task<string> PgDataSourceAsync(string name, string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        var ds = await _api.PostOkAsync("/api/v1/datasources", new { name, type = "postgresql", host = b.Host, port = b.Port, user = b.Username, password = b.Password, database = b.Database });
        return ds["id"]!.GetValue<string>();
    }

    private async Task<Dictionary<string, JsonNode>> SchemaAsync(string id) =>
        (await _api.GetOkAsync($"/api/v1/projects/{id}/schema")).AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);

    private string Status(Dictionary<string, JsonNode> schema, string name) =>
        (schema.TryGetValue($"{_name}.{name}", out var o) ? o : throw new Xunit.Sdk.XunitException($"no schema object {name} in {string.Join(", ", schema.Keys)}"))["status"]!.GetValue<string>();

    private string Error(Dictionary<string, JsonNode> schema, string name) => schema[$"{_name}.{name}"]["error"]!.GetValue<string>();

    private async Task<List<string>> WarningsAsync(string id) =>
        (await _api.GetOkAsync($"/api/v1/projects/{id}/events?limit=1000"))["items"]!.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "warning").Select(e => e!["message"]!.GetValue<string>()).ToList();

    private static async Task<List<string>> PgRowsAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await r.ReadAsync())
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    private static async Task<List<string>> MyRowsAsync(string cs, string sql, string? database = null)
    {
        await using var c = await TestServers.OpenAsync(cs, database);
        await using var cmd = new MySqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await r.ReadAsync())
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    private static async Task AssertPgRefusedAsync(string cs, string sql, string sqlState)
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => PgSql.ExecAsync(cs, sql));
        Assert.Equal(sqlState, e.SqlState);
    }

    private async Task AssertMyRefusedAsync(string cs, string sql, string mentions)
    {
        var e = await Assert.ThrowsAsync<MySqlException>(() => TestServers.ExecAsync(cs, sql, _name));
        Assert.Contains(mentions, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
