using System.Globalization;
using System.Text;
using Ferry.Engine.Errors;

namespace Ferry.Engine.Filters;

/// <summary>
/// A row filter of the object rules (<c>"shop.orders": "created_at &gt;= '2024-01-01' AND status IN ('paid','sent')"</c>),
/// parsed into a tree so that the SQL Ferry runs is rendered from it with quoted identifiers and
/// escaped constants: user text never reaches a server as SQL. The grammar is a subset of SQL that
/// MySQL and PostgreSQL evaluate the same way:
/// <c>OR</c>, <c>AND</c>, <c>NOT</c>, parentheses; comparisons <c>= &lt;&gt; != &lt; &lt;= &gt; &gt;=</c>;
/// <c>IS [NOT] NULL</c>; <c>[NOT] IN (constants)</c>; <c>[NOT] BETWEEN … AND …</c>; <c>[NOT] LIKE 'pattern'</c>.
/// Operands are column names (bare, <c>`quoted`</c> or <c>"quoted"</c>) and constants: numbers,
/// <c>'strings'</c> (<c>''</c> for a quote; a backslash is an ordinary character), NULL, TRUE, FALSE.
/// Functions and arithmetic are refused: a filter must mean the same thing on the source server
/// (full copy) and on each changed row (incremental).
/// </summary>
public sealed class RowFilter
{
    private RowFilter(string text, FilterNode root, IReadOnlyList<string> columns)
    {
        Text = text;
        Root = root;
        Columns = columns;
    }

    /// <summary>The filter as the user wrote it.</summary>
    public string Text { get; }

    public FilterNode Root { get; }

    /// <summary>The columns the filter reads, each once, as written.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Parses a filter or throws <see cref="FerryException"/> (<c>objects.filter-invalid</c>) saying what is wrong and where.</summary>
    public static RowFilter Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw Invalid(text, 0, "the filter is empty");
        var parser = new Parser(text);
        var root = parser.ParseExpression();
        parser.ExpectEnd();
        var columns = new List<string>();
        Collect(root, columns);
        return new RowFilter(text, root, columns);
    }

    /// <summary>Null when the text parses, else the reason.</summary>
    public static string? Validate(string text)
    {
        try
        {
            Parse(text);
            return null;
        }
        catch (FerryException e) { return e.Message; }
    }

    /// <summary>The filter as SQL of one engine.</summary>
    public string Render(IFilterDialect dialect)
    {
        var sb = new StringBuilder();
        Render(Root, dialect, sb);
        return sb.ToString();
    }

    private static void Render(FilterNode node, IFilterDialect d, StringBuilder sb)
    {
        switch (node)
        {
            case ColumnRef c:
                sb.Append(d.Column(c.Name));
                break;
            case FilterLiteral l:
                sb.Append(l.Kind switch
                {
                    FilterLiteralKind.String => d.String(l.Text),
                    FilterLiteralKind.Null => "NULL",
                    FilterLiteralKind.True => "TRUE",
                    FilterLiteralKind.False => "FALSE",
                    _ => l.Text,
                });
                break;
            case Logical g:
                sb.Append('(');
                Render(g.Left, d, sb);
                sb.Append(g.IsAnd ? " AND " : " OR ");
                Render(g.Right, d, sb);
                sb.Append(')');
                break;
            case Not n:
                sb.Append("(NOT ");
                Render(n.Operand, d, sb);
                sb.Append(')');
                break;
            case Comparison c:
                sb.Append('(');
                Render(c.Left, d, sb);
                sb.Append(' ').Append(c.Operator).Append(' ');
                Render(c.Right, d, sb);
                sb.Append(')');
                break;
            case IsNull n:
                sb.Append('(');
                Render(n.Operand, d, sb);
                sb.Append(n.Negated ? " IS NOT NULL)" : " IS NULL)");
                break;
            case InList i:
                sb.Append('(');
                Render(i.Operand, d, sb);
                sb.Append(i.Negated ? " NOT IN (" : " IN (");
                for (var k = 0; k < i.Values.Count; k++)
                {
                    if (k > 0) sb.Append(", ");
                    Render(i.Values[k], d, sb);
                }
                sb.Append("))");
                break;
            case Between b:
                sb.Append('(');
                Render(b.Operand, d, sb);
                sb.Append(b.Negated ? " NOT BETWEEN " : " BETWEEN ");
                Render(b.Low, d, sb);
                sb.Append(" AND ");
                Render(b.High, d, sb);
                sb.Append(')');
                break;
            case Like l:
                sb.Append('(');
                Render(l.Operand, d, sb);
                sb.Append(l.Negated ? " NOT LIKE " : " LIKE ");
                Render(l.Pattern, d, sb);
                sb.Append(')');
                break;
        }
    }

    private static void Collect(FilterNode node, List<string> columns)
    {
        switch (node)
        {
            case ColumnRef c when !columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase):
                columns.Add(c.Name);
                break;
            case Logical g: Collect(g.Left, columns); Collect(g.Right, columns); break;
            case Not n: Collect(n.Operand, columns); break;
            case Comparison c: Collect(c.Left, columns); Collect(c.Right, columns); break;
            case IsNull n: Collect(n.Operand, columns); break;
            case InList i: Collect(i.Operand, columns); break;
            case Between b: Collect(b.Operand, columns); Collect(b.Low, columns); Collect(b.High, columns); break;
            case Like l: Collect(l.Operand, columns); break;
        }
    }

    private static FerryException Invalid(string text, int at, string why) =>
        new("objects.filter-invalid", $"{why} at position {at + 1} of filter \"{text}\"");

    private enum T { Word, Identifier, Number, String, Symbol, End }

    private readonly record struct Token(T Kind, string Text, int At)
    {
        public bool Is(string word) => Kind == T.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
        public bool IsSymbol(string s) => Kind == T.Symbol && Text == s;
    }

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
        { "AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN", "LIKE", "TRUE", "FALSE" };

    private sealed class Parser
    {
        private readonly string _text;
        private readonly List<Token> _tokens;
        private int _i;

        public Parser(string text)
        {
            _text = text;
            _tokens = Tokenize(text);
        }

        private Token Peek => _tokens[_i];
        private Token Next() => _tokens[_i++];

        private bool Accept(string word)
        {
            if (!Peek.Is(word)) return false;
            _i++;
            return true;
        }

        private void Expect(string word)
        {
            if (!Accept(word)) throw Invalid(_text, Peek.At, $"{word} expected, found {Describe(Peek)}");
        }

        private void ExpectSymbol(string s)
        {
            if (!Peek.IsSymbol(s)) throw Invalid(_text, Peek.At, $"'{s}' expected, found {Describe(Peek)}");
            _i++;
        }

        public void ExpectEnd()
        {
            if (Peek.Kind == T.End) return;
            if (Peek.Kind == T.Symbol && Peek.Text is "+" or "-" or "*" or "/" or "%")
                throw Invalid(_text, Peek.At, "arithmetic is not supported in filters");
            throw Invalid(_text, Peek.At, $"unexpected {Describe(Peek)}");
        }

        public FilterNode ParseExpression()
        {
            var left = ParseAnd();
            while (Accept("OR")) left = new Logical(false, left, ParseAnd());
            return left;
        }

        private FilterNode ParseAnd()
        {
            var left = ParseNot();
            while (Accept("AND")) left = new Logical(true, left, ParseNot());
            return left;
        }

        private FilterNode ParseNot() => Accept("NOT") ? new Not(ParseNot()) : ParsePredicate();

        private FilterNode ParsePredicate()
        {
            if (Peek.IsSymbol("("))
            {
                _i++;
                var inner = ParseExpression();
                ExpectSymbol(")");
                return inner;
            }
            var left = ParseOperand();
            var at = Peek;
            if (at.Kind == T.Symbol && at.Text is "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=")
            {
                _i++;
                return new Comparison(at.Text == "!=" ? "<>" : at.Text, left, ParseOperand());
            }
            if (Accept("IS"))
            {
                var negated = Accept("NOT");
                Expect("NULL");
                return new IsNull(left, negated);
            }
            var not = Accept("NOT");
            if (Accept("IN"))
            {
                ExpectSymbol("(");
                var values = new List<FilterLiteral> { ParseLiteral() };
                while (Peek.IsSymbol(","))
                {
                    _i++;
                    values.Add(ParseLiteral());
                }
                ExpectSymbol(")");
                return new InList(left, values, not);
            }
            if (Accept("BETWEEN"))
            {
                var low = ParseOperand();
                Expect("AND");
                return new Between(left, low, ParseOperand(), not);
            }
            if (Accept("LIKE"))
            {
                if (Peek.Kind != T.String) throw Invalid(_text, Peek.At, "LIKE takes a quoted pattern");
                return new Like(left, ParseLiteral(), not);
            }
            throw Invalid(_text, Peek.At, $"a comparison, IS NULL, IN, BETWEEN or LIKE expected after {Describe(at)}, found {Describe(Peek)}");
        }

        private FilterNode ParseOperand()
        {
            var t = Peek;
            if (t.Kind == T.Identifier || (t.Kind == T.Word && !Reserved.Contains(t.Text)))
            {
                _i++;
                if (Peek.IsSymbol("("))
                    throw Invalid(_text, t.At, $"functions such as {t.Text}() are not supported in filters");
                if (Peek.IsSymbol("."))
                    throw Invalid(_text, t.At, "a filter names the columns of its own table, without a table or database prefix");
                return new ColumnRef(t.Text);
            }
            return ParseLiteral();
        }

        private FilterLiteral ParseLiteral()
        {
            var t = Next();
            switch (t.Kind)
            {
                case T.Number: return new FilterLiteral(FilterLiteralKind.Number, t.Text);
                case T.String: return new FilterLiteral(FilterLiteralKind.String, t.Text);
                case T.Word when t.Is("NULL"): return FilterLiteral.Null;
                case T.Word when t.Is("TRUE"): return new FilterLiteral(FilterLiteralKind.True, "TRUE");
                case T.Word when t.Is("FALSE"): return new FilterLiteral(FilterLiteralKind.False, "FALSE");
                case T.Symbol when t.Text is "+" or "-" or "*" or "/" or "%":
                    throw Invalid(_text, t.At, "arithmetic is not supported in filters (write negative numbers without a space: -5)");
                default: throw Invalid(_text, t.At, $"a column or a constant expected, found {Describe(t)}");
            }
        }

        private static string Describe(Token t) => t.Kind switch
        {
            T.End => "the end of the filter",
            T.String => $"'{t.Text}'",
            _ => $"'{t.Text}'",
        };

        private static List<Token> Tokenize(string s)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (char.IsWhiteSpace(c)) { i++; continue; }
                var start = i;
                if (c == '#' || (c is '-' or '/' && i + 1 < s.Length && s[i + 1] == (c == '-' ? '-' : '*')))
                    throw Invalid(s, start, "comments are not allowed in filters");
                if (c is '\'')
                {
                    var sb = new StringBuilder();
                    i++;
                    while (true)
                    {
                        if (i >= s.Length) throw Invalid(s, start, "unterminated string constant");
                        if (s[i] == '\'')
                        {
                            if (i + 1 < s.Length && s[i + 1] == '\'') { sb.Append('\''); i += 2; continue; }
                            i++;
                            break;
                        }
                        sb.Append(s[i++]);
                    }
                    tokens.Add(new Token(T.String, sb.ToString(), start));
                }
                else if (c is '`' or '"')
                {
                    var sb = new StringBuilder();
                    i++;
                    while (true)
                    {
                        if (i >= s.Length) throw Invalid(s, start, "unterminated quoted column name");
                        if (s[i] == c)
                        {
                            if (i + 1 < s.Length && s[i + 1] == c) { sb.Append(c); i += 2; continue; }
                            i++;
                            break;
                        }
                        sb.Append(s[i++]);
                    }
                    if (sb.Length == 0) throw Invalid(s, start, "empty column name");
                    tokens.Add(new Token(T.Identifier, sb.ToString(), start));
                }
                else if (char.IsDigit(c) || (c is '-' or '.' && i + 1 < s.Length && (char.IsDigit(s[i + 1]) || s[i + 1] == '.') && NumberMayStart(tokens)))
                {
                    i++;
                    while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.' ||
                                            ((s[i] is 'e' or 'E') && i + 1 < s.Length && (char.IsDigit(s[i + 1]) || s[i + 1] is '+' or '-')) ||
                                            ((s[i] is '+' or '-') && s[i - 1] is 'e' or 'E')))
                        i++;
                    var text = s[start..i];
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || text.Count(ch => ch == '.') > 1)
                        throw Invalid(s, start, $"'{text}' is not a number");
                    if (i < s.Length && (char.IsLetter(s[i]) || s[i] == '_')) throw Invalid(s, start, $"'{text}{s[i]}' is not a number");
                    tokens.Add(new Token(T.Number, text, start));
                }
                else if (char.IsLetter(c) || c == '_' || c == '$')
                {
                    while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '$')) i++;
                    tokens.Add(new Token(T.Word, s[start..i], start));
                }
                else
                {
                    var two = i + 1 < s.Length ? s.Substring(i, 2) : "";
                    if (two is "<>" or "!=" or "<=" or ">=") { tokens.Add(new Token(T.Symbol, two, start)); i += 2; }
                    else if (c is '=' or '<' or '>' or '(' or ')' or ',' or '.' or '+' or '-' or '*' or '/' or '%') { tokens.Add(new Token(T.Symbol, c.ToString(), start)); i++; }
                    else if (c == ';') throw Invalid(s, start, "a filter is one expression; ';' is not allowed");
                    else throw Invalid(s, start, $"unexpected character '{c}'");
                }
            }
            tokens.Add(new Token(T.End, "", s.Length));
            return tokens;
        }

        // A minus starts a negative number where an operand is expected, not after one.
        private static bool NumberMayStart(List<Token> tokens) =>
            tokens.Count == 0 || tokens[^1] is { Kind: T.Symbol, Text: not ")" } || tokens[^1].Kind == T.Word && Reserved.Contains(tokens[^1].Text);
    }
}
