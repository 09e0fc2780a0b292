using Ferry.Engine.Changes;
using Ferry.Engine.Schema;

namespace Ferry.MySql.Binlog;

/// <summary>
/// Reads just enough of a MySQL/MariaDB DDL statement to know which tables it changes and how:
/// ALTER TABLE, CREATE TABLE (also … LIKE), RENAME TABLE, DROP TABLE, TRUNCATE, CREATE/DROP INDEX. Anything else on tables is
/// <see cref="DdlKind.Unsupported"/> and stops the writer for an operator to decide.
/// </summary>
public static class DdlParser
{
    private enum TokenKind { Word, Quoted, Dot, Comma, Other }

    private readonly record struct Token(TokenKind Kind, string Text, int Start, int Length)
    {
        public bool Is(string word) => Kind == TokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
        public bool IsIdentifier => Kind is TokenKind.Word or TokenKind.Quoted;
    }

    public static DdlPlan Parse(string statement, string defaultDatabase)
    {
        var t = Tokenize(statement);
        var i = 0;
        bool Accept(string word)
        {
            if (i < t.Count && t[i].Is(word)) { i++; return true; }
            return false;
        }
        DdlTableRef? Name()
        {
            if (i >= t.Count || !t[i].IsIdentifier) return null;
            var first = t[i++];
            if (i + 1 < t.Count && t[i].Kind == TokenKind.Dot && t[i + 1].IsIdentifier)
            {
                var second = t[i + 1];
                i += 2;
                return new DdlTableRef(new TableName(first.Text, second.Text), first.Start, second.Start + second.Length - first.Start);
            }
            return new DdlTableRef(new TableName(defaultDatabase, first.Text), first.Start, first.Length);
        }
        DdlPlan Single(DdlKind kind) => Name() is { } n ? new DdlPlan(kind, [n]) : DdlPlan.Unsupported("a table name was expected");

        if (t.Count == 0) return DdlPlan.Ignored;
        if (Accept("ALTER"))
        {
            Accept("ONLINE");
            Accept("IGNORE");
            if (!Accept("TABLE")) return Accept("DATABASE") || Accept("SCHEMA") || Accept("USER") ? DdlPlan.Ignored : DdlPlan.Unsupported("only ALTER TABLE is applied");
            if (Accept("IF")) Accept("EXISTS");
            var table = Name();
            if (table is null) return DdlPlan.Unsupported("a table name was expected");
            SkipWait();
            var alter = i;
            // ALTER TABLE a RENAME [TO|AS] b, alone, is a table rename.
            if (Accept("RENAME") && !(i < t.Count && (t[i].Is("COLUMN") || t[i].Is("INDEX") || t[i].Is("KEY"))))
            {
                if (!Accept("TO")) Accept("AS");
                if (Name() is { } to && AtEnd()) return new DdlPlan(DdlKind.RenameTable, [table, to]);
            }
            i = alter;
            var rest = t.Skip(i).ToList();
            for (var r = 0; r < rest.Count; r++)
                if (rest[r].Is("RENAME") && !(r + 1 < rest.Count && (rest[r + 1].Is("COLUMN") || rest[r + 1].Is("INDEX") || rest[r + 1].Is("KEY"))))
                    return DdlPlan.Unsupported("ALTER TABLE that renames the table together with other changes is not applied automatically; run the rename alone");
            return new DdlPlan(DdlKind.AlterTable, [table]);
        }
        if (Accept("RENAME"))
        {
            if (!Accept("TABLE") && !Accept("TABLES")) return Accept("USER") ? DdlPlan.Ignored : DdlPlan.Unsupported("only RENAME TABLE is applied");
            if (Accept("IF")) Accept("EXISTS");
            var pairs = new List<DdlTableRef>();
            while (true)
            {
                var from = Name();
                SkipWait();
                if (from is null || !Accept("TO")) return DdlPlan.Unsupported("RENAME TABLE a TO b was expected");
                var to = Name();
                if (to is null) return DdlPlan.Unsupported("a table name was expected after TO");
                pairs.Add(from);
                pairs.Add(to);
                if (i < t.Count && t[i].Kind == TokenKind.Comma) i++; else break;
            }
            return AtEnd() ? new DdlPlan(DdlKind.RenameTable, pairs) : DdlPlan.Unsupported("RENAME TABLE a TO b was expected");
        }
        if (Accept("CREATE"))
        {
            if (Accept("OR")) Accept("REPLACE");
            if (Accept("TEMPORARY")) return DdlPlan.Ignored;
            if (Accept("TABLE"))
            {
                if (Accept("IF")) { Accept("NOT"); Accept("EXISTS"); }
                var table = Name();
                if (table is null) return DdlPlan.Unsupported("a table name was expected");
                // In ROW format the server logs CREATE … SELECT as a plain CREATE TABLE with the resulting
                // columns, followed by the rows as row events: text still holding SELECT was logged as a statement.
                if (t.Skip(i).Any(x => x.Is("SELECT")))
                    return DdlPlan.Unsupported("CREATE TABLE … SELECT logged as a statement (binlog_format is not ROW): its rows are not in the log");
                var paren = i < t.Count && t[i].Text == "(";
                if (paren) i++;
                if (Accept("LIKE"))
                {
                    var model = Name();
                    if (model is null) return DdlPlan.Unsupported("a table name was expected after LIKE");
                    return new DdlPlan(DdlKind.CreateTable, [table, model with { Referenced = true }]);
                }
                return new DdlPlan(DdlKind.CreateTable, [table]);
            }
            Accept("UNIQUE");
            Accept("FULLTEXT");
            Accept("SPATIAL");
            if (Accept("INDEX")) return IndexOn(DdlKind.CreateIndex);
            if (Accept("DATABASE") || Accept("SCHEMA") || Accept("USER") || Accept("ROLE")) return DdlPlan.Ignored;
            return DdlPlan.Unsupported("only tables and indexes are created automatically");
        }
        if (Accept("DROP"))
        {
            if (Accept("TEMPORARY")) return DdlPlan.Ignored;
            if (Accept("TABLE"))
            {
                if (Accept("IF")) Accept("EXISTS");
                var tables = new List<DdlTableRef>();
                while (Name() is { } n)
                {
                    tables.Add(n);
                    if (i < t.Count && t[i].Kind == TokenKind.Comma) i++; else break;
                }
                return tables.Count > 0 ? new DdlPlan(DdlKind.DropTable, tables) : DdlPlan.Unsupported("a table name was expected");
            }
            if (Accept("INDEX")) return IndexOn(DdlKind.DropIndex);
            if (Accept("DATABASE") || Accept("SCHEMA") || Accept("USER") || Accept("ROLE")) return DdlPlan.Ignored;
            return DdlPlan.Unsupported("only tables and indexes are dropped automatically");
        }
        if (Accept("TRUNCATE"))
        {
            Accept("TABLE");
            return Single(DdlKind.TruncateTable);
        }
        if (t[0].Is("GRANT") || t[0].Is("REVOKE") || t[0].Is("FLUSH") || t[0].Is("ANALYZE") || t[0].Is("OPTIMIZE") || t[0].Is("SET"))
            return DdlPlan.Ignored;
        return DdlPlan.Unsupported($"{t[0].Text.ToUpperInvariant()} statements are not applied automatically yet");

        bool AtEnd() => i == t.Count || (i == t.Count - 1 && t[i].Text == ";");

        // MariaDB's lock wait clause: WAIT n | NOWAIT
        void SkipWait()
        {
            if (Accept("NOWAIT")) return;
            if (i + 1 < t.Count && t[i].Is("WAIT") && t[i + 1].Kind == TokenKind.Word) i += 2;
        }

        DdlPlan IndexOn(DdlKind kind)
        {
            while (i < t.Count && !t[i].Is("ON")) i++;
            if (!Accept("ON")) return DdlPlan.Unsupported("ON <table> was expected");
            return Single(kind);
        }
    }

    /// <summary>Words, quoted identifiers, dots and commas; strings and comments skipped.</summary>
    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? s.Length : end + 2;
                continue;
            }
            if (c == '#' || (c == '-' && i + 2 < s.Length && s[i + 1] == '-' && char.IsWhiteSpace(s[i + 2])))
            {
                var end = s.IndexOf('\n', i);
                i = end < 0 ? s.Length : end + 1;
                continue;
            }
            if (c == '`')
            {
                var start = i++;
                var sb = new System.Text.StringBuilder();
                while (i < s.Length)
                {
                    if (s[i] == '`')
                    {
                        if (i + 1 < s.Length && s[i + 1] == '`') { sb.Append('`'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(s[i++]);
                }
                tokens.Add(new Token(TokenKind.Quoted, sb.ToString(), start, i - start));
                continue;
            }
            if (c is '\'' or '"')
            {
                var start = i++;
                while (i < s.Length && s[i] != c) i += s[i] == '\\' ? 2 : 1;
                i++;
                tokens.Add(new Token(TokenKind.Other, s[start..Math.Min(i, s.Length)], start, Math.Min(i, s.Length) - start));
                continue;
            }
            if (char.IsLetterOrDigit(c) || c is '_' or '$')
            {
                var start = i;
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '$')) i++;
                tokens.Add(new Token(TokenKind.Word, s[start..i], start, i - start));
                continue;
            }
            tokens.Add(new Token(c == '.' ? TokenKind.Dot : c == ',' ? TokenKind.Comma : TokenKind.Other, c.ToString(), i, 1));
            i++;
        }
        return tokens;
    }
}
