using System.Text;

namespace Slo.Engine.Definitions;

/// <summary>The comparison of a PromQL label matcher.</summary>
public enum MatchOperator
{
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// <summary>One label matcher, e.g. <c>code=~"5.."</c>.</summary>
public sealed record LabelMatcher(string Label, MatchOperator Operator, string Value)
{
    public string OperatorText => Operator switch
    {
        MatchOperator.Equal => "=",
        MatchOperator.NotEqual => "!=",
        MatchOperator.Regex => "=~",
        _ => "!~",
    };

    /// <summary>The matcher as PromQL, its value quoted and escaped so no value can end the string early.</summary>
    public override string ToString() => $"{Label}{OperatorText}{SeriesSelector.Quote(Value)}";
}

/// <summary>
/// A PromQL instant-vector selector such as <c>http_requests_total{job="checkout",code=~"5.."}</c>, parsed so that
/// queries are rebuilt from its parts rather than pasted: whatever a definition holds, the query gets one selector.
/// </summary>
public sealed class SeriesSelector
{
    public SeriesSelector(string? metric, IReadOnlyList<LabelMatcher> matchers)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        if (metric is not null && !IsMetricName(metric))
            throw new ArgumentException($"'{metric}' is not a metric name.", nameof(metric));
        foreach (var m in matchers)
        {
            if (!IsLabelName(m.Label))
                throw new ArgumentException($"'{m.Label}' is not a label name.", nameof(matchers));
        }

        Metric = metric;
        Matchers = matchers;
    }

    /// <summary>The metric name, or null for a bare <c>{...}</c> selector.</summary>
    public string? Metric { get; }

    public IReadOnlyList<LabelMatcher> Matchers { get; }

    /// <summary>This selector with another metric name (e.g. a histogram's <c>_bucket</c> series).</summary>
    public SeriesSelector WithMetric(string metric) => new(metric, Matchers);

    /// <summary>This selector with one more matcher.</summary>
    public SeriesSelector With(LabelMatcher matcher) => new(Metric, [.. Matchers, matcher]);

    public override string ToString()
    {
        var sb = new StringBuilder(Metric ?? "");
        if (Matchers.Count > 0 || Metric is null)
        {
            sb.Append('{').AppendJoin(',', Matchers).Append('}');
        }

        return sb.ToString();
    }

    /// <summary>Parses a selector; on failure <paramref name="error"/> says what is wrong and where.</summary>
    public static bool TryParse(string? text, out SeriesSelector? selector, out string error) =>
        new Parser(text ?? "").TryParse(out selector, out error);

    public static SeriesSelector Parse(string text) =>
        TryParse(text, out var s, out var error) ? s! : throw new FormatException(error);

    public static bool IsMetricName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] is '_' or ':') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    public static bool IsLabelName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>A PromQL double-quoted string literal holding exactly <paramref name="value"/>.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"').ToString();
    }

    private ref struct Parser(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public bool TryParse(out SeriesSelector? selector, out string error)
        {
            selector = null;
            error = "";
            try
            {
                SkipSpace();
                string? metric = null;
                if (_pos < _text.Length && _text[_pos] != '{')
                    metric = ReadName(metricName: true);
                var matchers = new List<LabelMatcher>();
                SkipSpace();
                if (_pos < _text.Length && _text[_pos] == '{')
                {
                    _pos++;
                    SkipSpace();
                    while (Peek() != '}')
                    {
                        var label = ReadName(metricName: false);
                        SkipSpace();
                        var op = ReadOperator();
                        SkipSpace();
                        var value = ReadString();
                        matchers.Add(new LabelMatcher(label, op, value));
                        SkipSpace();
                        if (Peek() == ',')
                        {
                            _pos++;
                            SkipSpace();
                        }
                        else if (Peek() != '}')
                        {
                            throw Fail("expected ',' or '}'");
                        }
                    }

                    _pos++;
                    SkipSpace();
                }

                if (_pos != _text.Length)
                    throw Fail("unexpected text after the selector (only a metric name and {label matchers} are allowed here)");

                var nameMatcher = matchers.FirstOrDefault(m => m.Label == "__name__");
                if (metric is null && nameMatcher is { Operator: MatchOperator.Equal })
                {
                    metric = nameMatcher.Value;
                    matchers.Remove(nameMatcher);
                }

                if (metric is null && matchers.Count == 0)
                    throw Fail("a selector needs a metric name or at least one label matcher");
                if (metric is not null && !IsMetricName(metric))
                    throw Fail($"'{metric}' is not a metric name");

                selector = new SeriesSelector(metric, matchers);
                return true;
            }
            catch (FormatException e)
            {
                error = e.Message;
                return false;
            }
        }

        private char Peek() => _pos < _text.Length ? _text[_pos] : throw Fail("unexpected end of the selector");

        private void SkipSpace()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
        }

        private string ReadName(bool metricName)
        {
            var start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_' || (metricName && _text[_pos] == ':')))
                _pos++;
            var name = _text[start.._pos];
            var valid = metricName ? IsMetricName(name) : IsLabelName(name);
            return valid ? name : throw Fail(metricName ? "expected a metric name" : "expected a label name");
        }

        private MatchOperator ReadOperator()
        {
            var rest = _text.AsSpan(_pos);
            (MatchOperator op, int length) = rest switch
            {
                _ when rest.StartsWith("=~") => (MatchOperator.Regex, 2),
                _ when rest.StartsWith("!~") => (MatchOperator.NotRegex, 2),
                _ when rest.StartsWith("!=") => (MatchOperator.NotEqual, 2),
                _ when rest.StartsWith("=") => (MatchOperator.Equal, 1),
                _ => throw Fail("expected one of = != =~ !~"),
            };
            _pos += length;
            return op;
        }

        private string ReadString()
        {
            var quote = Peek();
            if (quote is not ('"' or '\'' or '`'))
                throw Fail("expected a quoted label value");
            _pos++;
            var sb = new StringBuilder();
            while (true)
            {
                var c = Peek();
                _pos++;
                if (c == quote)
                    return sb.ToString();
                if (c == '\\' && quote != '`')
                {
                    var e = Peek();
                    _pos++;
                    sb.Append(e switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '\\' or '"' or '\'' => e,
                        _ => throw Fail($"unknown escape '\\{e}'"),
                    });
                }
                else
                {
                    sb.Append(c);
                }
            }
        }

        private readonly FormatException Fail(string message) =>
            new($"{message} at character {Math.Min(_pos, _text.Length) + 1} of '{_text}'");
    }
}
