using System.Text;
using Ferry.Abstractions.Projects;

namespace Ferry.Api.Endpoints;

/// <summary>
/// Object settings as CSV (<c>database,table,destDatabase,destTable,filter,columns</c>): one row per
/// table, or per table pattern before the project has resolved its tables; <c>columns</c> lists a
/// column subset separated by <c>;</c>. Importing builds include rules, renames, row filters and
/// column subsets from the rows; files with only the first four fields are accepted too.
/// </summary>
public static class ObjectCsv
{
    public const string Header = "database,table,destDatabase,destTable,filter,columns";
    private const string ShortHeader = "database,table,destDatabase,destTable";

    public static string Export(ProjectView project, IReadOnlyList<TableProgress> tables)
    {
        var sb = new StringBuilder(Header).Append("\r\n");
        if (tables.Count > 0)
            foreach (var t in tables.OrderBy(t => t.Database).ThenBy(t => t.Table))
                Row(sb, [t.Database, t.Table, t.DestDatabase, t.DestTable, .. Shape(project.Objects, t.Database, t.Table)]);
        else
            foreach (var p in project.Objects.Include)
            foreach (var table in p.Tables)
            {
                var destDb = project.Objects.Rename.GetValueOrDefault(p.Database, p.Database);
                var full = project.Objects.Rename.GetValueOrDefault($"{p.Database}.{table}");
                Row(sb, [p.Database, table, full?.Split('.')[0] ?? destDb, full?.Split('.', 2)[1] ?? table, .. Shape(project.Objects, p.Database, table)]);
            }
        return sb.ToString();
    }

    private static string[] Shape(ObjectRules rules, string database, string table)
    {
        var key = $"{database}.{table}";
        return [rules.Filters.GetValueOrDefault(key) ?? "", rules.Columns.TryGetValue(key, out var c) ? string.Join(";", c) : ""];
    }

    /// <summary>Object rules from CSV rows; every problem is reported with its line number.</summary>
    public static (ObjectRules? Rules, Dictionary<string, string[]> Errors) Import(string csv)
    {
        var errors = new Dictionary<string, string[]>();
        var lines = Parse(csv);
        var header = lines.Count == 0 ? "" : string.Join(",", lines[0]).Replace(" ", "");
        if (header != Header && header != ShortHeader)
        {
            errors["csv"] = [$"the first line must be the header '{Header}'"];
            return (null, errors);
        }
        var width = header == Header ? 6 : 4;
        var rules = new ObjectRules();
        for (var i = 1; i < lines.Count; i++)
        {
            var f = lines[i];
            if (f.Count == 1 && f[0].Length == 0) continue;
            if (f.Count != width || f.Take(2).Any(string.IsNullOrWhiteSpace))
            {
                errors[$"line {i + 1}"] = [$"a row has {width} fields, as the header: {header}"];
                continue;
            }
            if (width == 6)
            {
                var key = $"{f[0].Trim()}.{f[1].Trim()}";
                if (f[4].Trim().Length > 0) rules.Filters[key] = f[4].Trim();
                if (f[5].Trim().Length > 0) rules.Columns[key] = f[5].Split(';').Select(c => c.Trim()).ToList();
            }
            var (db, table, destDb, destTable) = (f[0].Trim(), f[1].Trim(), f[2].Trim(), f[3].Trim());
            var include = rules.Include.FirstOrDefault(p => p.Database == db);
            if (include is null) rules.Include.Add(include = new ObjectPattern { Database = db, Tables = [] });
            include.Tables.Add(table);
            if (destDb.Length > 0 && destDb != db && (table.Contains('*') || table.Contains('?')))
                rules.Rename[db] = destDb;
            else if ((destDb.Length > 0 && destDb != db) || (destTable.Length > 0 && destTable != table))
                rules.Rename[$"{db}.{table}"] = $"{(destDb.Length > 0 ? destDb : db)}.{(destTable.Length > 0 ? destTable : table)}";
        }
        return errors.Count > 0 ? (null, errors) : (rules, errors);
    }

    private static void Row(StringBuilder sb, params string[] fields) =>
        sb.Append(string.Join(",", fields.Select(Quote))).Append("\r\n");

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;

    private static List<List<string>> Parse(string csv)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            var c = csv[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': row.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n': row.Add(field.ToString()); field.Clear(); rows.Add(row); row = []; break;
                default: field.Append(c); break;
            }
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(row); }
        return rows;
    }
}
