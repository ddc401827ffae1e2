namespace Slo.Engine.Definitions;

/// <summary>
/// The shape of a PromQL expression, checked without a PromQL parser: strings end, brackets pair up, and label-matcher
/// braces hold only label matchers. It catches the mistakes that make Prometheus refuse a query at the first evaluation
/// (a stray bracket, a quote left open) while the definition is still being read; the expression itself is Prometheus'.
/// </summary>
public static class PromQlShape
{
    /// <summary>What is wrong with the shape of <paramref name="query"/>, or null when nothing is.</summary>
    public static string? Problem(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var open = new Stack<(char Bracket, int At)>();
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            var inBraces = open.Count > 0 && open.Peek().Bracket == '{';
            switch (c)
            {
                case '"' or '\'' or '`':
                    var end = i + 1;
                    while (end < query.Length && query[end] != c)
                        end += query[end] == '\\' && c != '`' ? 2 : 1;
                    if (end >= query.Length)
                        return $"a string opened at character {i + 1} is not closed";
                    i = end;
                    break;
                case '#' when !inBraces:
                    while (i < query.Length && query[i] != '\n')
                        i++;
                    break;
                case '(' or '[' or '{':
                    if (inBraces)
                        return $"unexpected character inside braces: '{c}' at character {i + 1}";
                    open.Push((c, i));
                    break;
                case ')' or ']' or '}':
                    var expected = c switch { ')' => '(', ']' => '[', _ => '{' };
                    if (open.Count == 0 || open.Peek().Bracket != expected)
                        return $"unexpected '{c}' at character {i + 1}";
                    open.Pop();
                    break;
                default:
                    if (inBraces && !(char.IsAsciiLetterOrDigit(c) || char.IsWhiteSpace(c) || c is '_' or ',' or '=' or '!' or '~' or ':'))
                        return $"unexpected character inside braces: '{c}' at character {i + 1}";
                    break;
            }
        }

        return open.Count == 0 ? null : $"'{open.Peek().Bracket}' at character {open.Peek().At + 1} is not closed";
    }
}
