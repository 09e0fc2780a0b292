using System.Text;

namespace Ferry.Engine.Schema;

/// <summary>
/// Rewrites a CHECK condition or a view query from one engine's dialect to the other's, for the small part of SQL
/// whose meaning is the same on both: quoted identifiers, string and number literals, comparisons, AND / OR / NOT,
/// IS [NOT] NULL, IN, BETWEEN, LIKE, CASE, + - * %, a few aggregate and scalar functions, SELECT … FROM … JOIN …
/// WHERE … GROUP BY … HAVING … ORDER BY. Anything else (casts, division — integer on PostgreSQL, decimal on MySQL
/// —, <c>||</c> — concatenation on one, OR on the other —, backslash escapes, unknown functions) is refused with
/// the construct named, so the object is reported for the operator's own DDL rather than created with another meaning.
/// </summary>
public static class SqlTranslator
{
    /// <summary>The rewritten text, or why it could not be rewritten.</summary>
    public sealed record Result(string? Sql, string? Problem);

    private enum K { Space, Word, Ident, Str, Num, Op }

    private sealed record Tok(K Kind, string Text);

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "select", "from", "where", "and", "or", "not", "as", "join", "inner", "left", "right", "outer", "cross", "on", "is", "null",
        "in", "between", "like", "group", "by", "order", "asc", "desc", "having", "distinct", "case", "when", "then", "else", "end",
        "true", "false", "union", "all", "exists", "limit", "offset", "escape",
    };

    /// <summary>Functions with the same meaning on both engines (by the source's name) and their name on the destination.</summary>
    private static readonly Dictionary<string, string> MySqlFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["count"] = "count", ["sum"] = "sum", ["min"] = "min", ["max"] = "max", ["avg"] = "avg", ["coalesce"] = "coalesce",
        ["ifnull"] = "coalesce", ["nullif"] = "nullif", ["lower"] = "lower", ["upper"] = "upper", ["abs"] = "abs",
        ["char_length"] = "char_length", ["length"] = "octet_length", ["greatest"] = "greatest", ["least"] = "least",
    };

    private static readonly Dictionary<string, string> PgFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["count"] = "count", ["sum"] = "sum", ["min"] = "min", ["max"] = "max", ["avg"] = "avg", ["coalesce"] = "coalesce",
        ["nullif"] = "nullif", ["lower"] = "lower", ["upper"] = "upper", ["abs"] = "abs", ["char_length"] = "char_length",
        ["length"] = "char_length", ["octet_length"] = "length", ["greatest"] = "greatest", ["least"] = "least",
    };

    /// <summary>PostgreSQL words that are not identifiers and have no counterpart here.</summary>
    private static readonly HashSet<string> PgUnsupportedWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "ilike", "similar", "nulls", "filter", "over", "lateral", "interval", "array", "any", "some", "at", "collate", "overlaps",
        "window", "partition", "fetch", "only", "isnull", "notnull", "symmetric", "values", "row", "cast", "extract", "natural",
        "intersect", "except", "current_date", "current_timestamp", "localtimestamp", "current_user", "session_user", "user",
    };

    /// <summary>Types a PostgreSQL value may be cast to without changing what MySQL's comparison of it means.</summary>
    private static readonly HashSet<string> HarmlessCasts = new(StringComparer.OrdinalIgnoreCase)
    {
        "text", "character varying", "varchar", "bpchar", "character", "integer", "bigint", "smallint", "numeric",
    };

    /// <summary>A MySQL condition or query (as information_schema stores it) in PostgreSQL's dialect; table names renamed by <paramref name="rename"/>.</summary>
    public static Result MySqlToPostgreSql(string sql, Func<TableName, TableName?>? rename = null)
    {
        var (tokens, problem) = TokenizeMySql(sql);
        return problem is not null ? new Result(null, problem) : Emit(tokens, fromPostgreSql: false, rename, null);
    }

    /// <summary>
    /// A PostgreSQL condition or query (as <c>pg_get_expr</c> / <c>pg_get_viewdef</c> print it) in MySQL's dialect; table
    /// names renamed by <paramref name="rename"/>; bare words in <paramref name="substitute"/> (e.g. a domain's <c>VALUE</c>)
    /// replaced by the given column.
    /// </summary>
    public static Result PostgreSqlToMySql(string sql, Func<TableName, TableName?>? rename = null, IReadOnlyDictionary<string, string>? substitute = null)
    {
        var (tokens, problem) = TokenizePg(sql);
        if (problem is not null) return new Result(null, problem);
        tokens = AnyArrayToIn(tokens);
        return Emit(tokens, fromPostgreSql: true, rename, substitute);
    }

    /// <summary>PostgreSQL table and column names in a PostgreSQL query renamed (PostgreSQL → PostgreSQL views).</summary>
    public static string RenamePostgreSql(string sql, Func<TableName, TableName?> rename)
    {
        var (tokens, problem) = TokenizePg(sql);
        if (problem is not null) return sql;
        var sb = new StringBuilder();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (IsName(tokens, i, true) && Next(tokens, i) is var dot && dot < tokens.Count && tokens[dot].Text == "." &&
                Next(tokens, dot) is var second && second < tokens.Count && IsName(tokens, second, true) &&
                !(Next(tokens, second) is var after && after < tokens.Count && tokens[after].Text is "." or "("))
            {
                var name = new TableName(NameOf(tokens[i]), NameOf(tokens[second]));
                if (rename(name) is { } to)
                {
                    sb.Append(QuotePg(to.Database)).Append('.').Append(QuotePg(to.Table));
                    if (to.Table != name.Table && !Aliased(tokens, second)) sb.Append(' ').Append(QuotePg(name.Table));
                    i = second;
                    continue;
                }
            }
            sb.Append(Raw(tokens[i], true));
        }
        return sb.ToString();
    }

    private static string Raw(Tok t, bool pg) => t.Kind switch
    {
        K.Ident => pg ? QuotePg(t.Text) : QuoteMy(t.Text),
        K.Str => "'" + t.Text.Replace("'", "''", StringComparison.Ordinal) + "'",
        _ => t.Text,
    };

    private static string NameOf(Tok t) => t.Kind == K.Ident ? t.Text : t.Text.ToLowerInvariant();

    private static bool IsName(List<Tok> t, int i, bool pg) =>
        t[i].Kind == K.Ident || (t[i].Kind == K.Word && !Keywords.Contains(t[i].Text) && (!pg || !PgUnsupportedWords.Contains(t[i].Text)));

    private static int Next(List<Tok> t, int i)
    {
        var j = i + 1;
        while (j < t.Count && t[j].Kind == K.Space) j++;
        return j;
    }

    /// <summary>Whether the table name at <paramref name="i"/> is followed by an alias of its own.</summary>
    private static bool Aliased(List<Tok> t, int i)
    {
        var j = Next(t, i);
        if (j >= t.Count) return false;
        if (t[j].Kind == K.Word && t[j].Text.Equals("as", StringComparison.OrdinalIgnoreCase)) return true;
        return t[j].Kind == K.Ident || (t[j].Kind == K.Word && !Keywords.Contains(t[j].Text) &&
               !t[j].Text.Equals("full", StringComparison.OrdinalIgnoreCase) && !t[j].Text.Equals("natural", StringComparison.OrdinalIgnoreCase) &&
               !t[j].Text.Equals("window", StringComparison.OrdinalIgnoreCase) && !t[j].Text.Equals("fetch", StringComparison.OrdinalIgnoreCase));
    }

    public static string QuotePg(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string QuoteMy(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    private static Result Emit(List<Tok> tokens, bool fromPostgreSql, Func<TableName, TableName?>? rename, IReadOnlyDictionary<string, string>? substitute)
    {
        var functions = fromPostgreSql ? PgFunctions : MySqlFunctions;
        string Quote(string n) => fromPostgreSql ? QuoteMy(n) : QuotePg(n);
        var sb = new StringBuilder();
        var lastWasLiteral = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            switch (t.Kind)
            {
                case K.Space:
                    if (sb.Length > 0 && sb[^1] != ' ') sb.Append(' ');
                    continue;
                case K.Num:
                    sb.Append(t.Text);
                    lastWasLiteral = true;
                    continue;
                case K.Str:
                    sb.Append('\'').Append(fromPostgreSql
                        ? t.Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)
                        : t.Text.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
                    lastWasLiteral = true;
                    continue;
                case K.Op:
                    switch (t.Text)
                    {
                        case "=" or "<" or ">" or "<=" or ">=" or "<>" or "!=" or "+" or "-" or "*" or "%" or "(" or ")" or ",":
                            sb.Append(t.Text);
                            break;
                        case "<=>" when !fromPostgreSql:
                            Spaced(sb, " IS NOT DISTINCT FROM ");
                            break;
                        case "~~" when fromPostgreSql:
                            Spaced(sb, " LIKE ");
                            break;
                        case "!~~" when fromPostgreSql:
                            Spaced(sb, " NOT LIKE ");
                            break;
                        case "::" when fromPostgreSql:
                        {
                            // the type: words (character varying), maybe qualified (a user type), maybe a modifier or []
                            var j = Next(tokens, i);
                            var type = new List<string>();
                            var qualified = false;
                            while (j < tokens.Count && tokens[j].Kind is K.Word or K.Ident)
                            {
                                type.Add(NameOf(tokens[j]));
                                var k = Next(tokens, j);
                                if (k < tokens.Count && tokens[k].Kind == K.Word && tokens[k].Text.ToLowerInvariant() is "varying" or "precision") { j = k; type.Add(tokens[k].Text.ToLowerInvariant()); break; }
                                if (k < tokens.Count && tokens[k].Text == "." && Next(tokens, k) is var w && w < tokens.Count && tokens[w].Kind is K.Word or K.Ident)
                                {
                                    qualified = true;
                                    j = w;
                                    type.Add(NameOf(tokens[w]));
                                }
                                break;
                            }
                            var typeName = string.Join(qualified ? "." : " ", type);
                            var after = Next(tokens, j);
                            var modified = after < tokens.Count && tokens[after].Text is "(" or "[";
                            // Casts between the integer types, to numeric, between the text types, and of a literal to a user
                            // type (an enum label) change nothing MySQL's comparisons see; any other cast could.
                            var harmless = !modified && (HarmlessCasts.Contains(typeName) || (qualified && lastWasLiteral));
                            if (!harmless)
                                return new Result(null, $"the cast ::{(typeName.Length == 0 ? "?" : typeName)} has no safe MySQL equivalent");
                            i = j;
                            continue;
                        }
                        case "/":
                            return new Result(null, "division ('/') differs between the engines (integer on PostgreSQL, decimal on MySQL)");
                        case "||":
                            return new Result(null, "'||' differs between the engines (concatenation on PostgreSQL, OR on MySQL by default)");
                        case ".":
                            sb.Append('.');
                            break;
                        default:
                            return new Result(null, $"the operator '{t.Text}' is not translated");
                    }
                    lastWasLiteral = false;
                    continue;
            }

            // a name: a keyword, a function, or a (qualified) identifier
            if (t.Kind == K.Word && Keywords.Contains(t.Text))
            {
                sb.Append(t.Text.ToUpperInvariant());
                lastWasLiteral = t.Text.Equals("null", StringComparison.OrdinalIgnoreCase) || t.Text.Equals("true", StringComparison.OrdinalIgnoreCase) || t.Text.Equals("false", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            var parts = new List<Tok> { t };
            var last = i;
            while (Next(tokens, last) is var d && d < tokens.Count && tokens[d].Text == "." && tokens[d].Kind == K.Op &&
                   Next(tokens, d) is var n && n < tokens.Count && tokens[n].Kind is K.Word or K.Ident)
            {
                parts.Add(tokens[n]);
                last = n;
            }
            var call = Next(tokens, last) is var p && p < tokens.Count && tokens[p].Text == "(";
            if (call)
            {
                if (parts.Count > 1 || t.Kind != K.Word || !functions.TryGetValue(t.Text, out var fn))
                    return new Result(null, $"the function {string.Join(".", parts.Select(x => x.Text))}() is not translated");
                sb.Append(fn);
                i = last;
                lastWasLiteral = false;
                continue;
            }
            foreach (var part in parts)
            {
                if (part.Kind != K.Word) continue;
                if (substitute is not null && parts.Count == 1 && substitute.ContainsKey(part.Text)) continue;
                if (!fromPostgreSql)
                    return new Result(null, $"the MySQL word '{part.Text}' is not translated");
                if (PgUnsupportedWords.Contains(part.Text) || Keywords.Contains(part.Text))
                    return new Result(null, $"'{part.Text}' is not translated");
            }
            var names = parts.Select(NameOf).ToList();
            if (parts.Count == 1 && substitute is not null && t.Kind == K.Word && substitute.TryGetValue(t.Text, out var column))
                names = [column];
            var renamed = false;
            if (rename is not null && names.Count >= 2 && rename(new TableName(names[0], names[1])) is { } to)
            {
                var original = names[1];
                names[0] = to.Database;
                names[1] = to.Table;
                renamed = true;
                sb.Append(string.Join(".", names.Select(Quote)));
                // PostgreSQL qualifies columns by the table's own name: keep it as the alias when the name changes
                if (fromPostgreSql && names.Count == 2 && to.Table != original && !Aliased(tokens, last)) sb.Append(' ').Append(Quote(original));
            }
            if (!renamed) sb.Append(string.Join(".", names.Select(Quote)));
            i = last;
            lastWasLiteral = false;
        }
        return new Result(sb.ToString().Trim(), null);
    }

    /// <summary>Appends an operator written as words, with exactly one space on either side.</summary>
    private static void Spaced(StringBuilder sb, string words)
    {
        if (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
        sb.Append(words);
    }

    /// <summary>PostgreSQL prints <c>x IN ('a', 'b')</c> as <c>x = ANY (ARRAY['a', 'b'])</c>: back to IN (and <c>&lt;&gt; ALL</c> to NOT IN).</summary>
    private static List<Tok> AnyArrayToIn(List<Tok> tokens)
    {
        var list = tokens.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Kind != K.Op || list[i].Text is not ("=" or "<>")) continue;
            var any = Next(list, i);
            if (any >= list.Count || list[any].Kind != K.Word ||
                !list[any].Text.Equals(list[i].Text == "=" ? "any" : "all", StringComparison.OrdinalIgnoreCase)) continue;
            var open = Next(list, any);
            if (open >= list.Count || list[open].Text != "(") continue;
            var array = Next(list, open);
            if (array >= list.Count || !list[array].Text.Equals("array", StringComparison.OrdinalIgnoreCase)) continue;
            var bracket = Next(list, array);
            if (bracket >= list.Count || list[bracket].Text != "[") continue;
            var depth = 0;
            var close = -1;
            for (var j = bracket; j < list.Count; j++)
            {
                if (list[j].Text == "[") depth++;
                else if (list[j].Text == "]" && --depth == 0) { close = j; break; }
            }
            if (close < 0) continue;
            var paren = Next(list, close);
            if (paren >= list.Count || list[paren].Text != ")") continue;
            var replacement = new List<Tok> { new(K.Space, " "), new(K.Word, list[i].Text == "=" ? "in" : "not"), };
            if (list[i].Text == "<>") replacement.AddRange([new(K.Space, " "), new(K.Word, "in")]);
            replacement.Add(new(K.Space, " "));
            replacement.Add(new(K.Op, "("));
            var inner = list.GetRange(bracket + 1, close - bracket - 1);
            replacement.AddRange(inner);
            replacement.Add(new(K.Op, ")"));
            list.RemoveRange(i, paren - i + 1);
            list.InsertRange(i, replacement);
        }
        return list;
    }

    private static readonly string[] Operators = ["<=>", "!~~*", "!~~", "~~*", "->>", "<=", ">=", "<>", "!=", "||", "&&", ":=", "::", "~~", "!~", "->"];

    private static (List<Tok>, string?) TokenizeMySql(string s)
    {
        var list = new List<Tok>();
        for (var i = 0; i < s.Length;)
        {
            var ch = s[i];
            if (char.IsWhiteSpace(ch)) { var j = i; while (j < s.Length && char.IsWhiteSpace(s[j])) j++; list.Add(new(K.Space, s[i..j])); i = j; continue; }
            if (ch == '`')
            {
                var (text, end) = Quoted(s, i, '`');
                if (end < 0) return (list, "an unterminated quoted name");
                list.Add(new(K.Ident, text)); i = end; continue;
            }
            if (ch == '"') return (list, "a double-quoted string (a string in MySQL, a name in PostgreSQL)");
            if (ch == '\'')
            {
                var (text, end) = Quoted(s, i, '\'');
                if (end < 0) return (list, "an unterminated string");
                if (text.Contains('\\', StringComparison.Ordinal)) return (list, "a backslash escape in a string literal");
                list.Add(new(K.Str, text)); i = end; continue;
            }
            if (char.IsDigit(ch) || (ch == '.' && i + 1 < s.Length && char.IsDigit(s[i + 1]))) { var j = Number(s, i); list.Add(new(K.Num, s[i..j])); i = j; continue; }
            if (char.IsLetter(ch) || ch == '_' || ch == '$')
            {
                var j = i;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] is '_' or '$')) j++;
                // a character set introducer (_latin1'abc', _utf8mb4'x'): the literal is the same text
                if (ch == '_' && j < s.Length && s[j] == '\'') { i = j; continue; }
                list.Add(new(K.Word, s[i..j])); i = j; continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(s, i, o, 0, o.Length) == 0) ?? ch.ToString();
            list.Add(new(K.Op, op)); i += op.Length;
        }
        return (list, null);
    }

    private static (List<Tok>, string?) TokenizePg(string s)
    {
        var list = new List<Tok>();
        for (var i = 0; i < s.Length;)
        {
            var ch = s[i];
            if (char.IsWhiteSpace(ch)) { var j = i; while (j < s.Length && char.IsWhiteSpace(s[j])) j++; list.Add(new(K.Space, s[i..j])); i = j; continue; }
            if (ch == '"')
            {
                var (text, end) = Quoted(s, i, '"');
                if (end < 0) return (list, "an unterminated quoted name");
                list.Add(new(K.Ident, text)); i = end; continue;
            }
            if (ch == '\'')
            {
                var (text, end) = Quoted(s, i, '\'');
                if (end < 0) return (list, "an unterminated string");
                list.Add(new(K.Str, text)); i = end; continue;
            }
            if (ch == '$') return (list, "a dollar-quoted string or parameter");
            if (char.IsDigit(ch) || (ch == '.' && i + 1 < s.Length && char.IsDigit(s[i + 1]))) { var j = Number(s, i); list.Add(new(K.Num, s[i..j])); i = j; continue; }
            if (char.IsLetter(ch) || ch == '_')
            {
                var j = i;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] is '_' or '$')) j++;
                if (j < s.Length && s[j] == '\'') return (list, $"a prefixed string literal ({s[i..j]}'…')");
                list.Add(new(K.Word, s[i..j])); i = j; continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(s, i, o, 0, o.Length) == 0) ?? ch.ToString();
            list.Add(new(K.Op, op)); i += op.Length;
        }
        return (list, null);
    }

    private static (string Text, int End) Quoted(string s, int start, char quote)
    {
        var sb = new StringBuilder();
        for (var i = start + 1; i < s.Length; i++)
        {
            if (s[i] != quote) { sb.Append(s[i]); continue; }
            if (i + 1 < s.Length && s[i + 1] == quote) { sb.Append(quote); i++; continue; }
            return (sb.ToString(), i + 1);
        }
        return (string.Empty, -1);
    }

    private static int Number(string s, int i)
    {
        var j = i;
        while (j < s.Length && (char.IsDigit(s[j]) || s[j] == '.')) j++;
        if (j < s.Length && s[j] is 'e' or 'E' && j + 1 < s.Length && (char.IsDigit(s[j + 1]) || (s[j + 1] is '+' or '-' && j + 2 < s.Length && char.IsDigit(s[j + 2]))))
        {
            j += 2;
            while (j < s.Length && char.IsDigit(s[j])) j++;
        }
        return j;
    }
}
