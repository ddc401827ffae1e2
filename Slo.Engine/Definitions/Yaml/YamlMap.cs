using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Slo.Engine.Definitions.Yaml;

/// <summary>A scalar read from YAML with the path and place it came from. Its text is never null or empty.</summary>
internal sealed record YamlScalar(string Text, string Path, SourceLocation At)
{
    public bool TryDouble(out double value) =>
        double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    public bool TryBool(out bool value)
    {
        switch (Text)
        {
            case "true" or "True" or "TRUE": value = true; return true;
            case "false" or "False" or "FALSE": value = false; return true;
            default: value = false; return false;
        }
    }
}

/// <summary>Collects every finding of one load; nothing stops at the first error.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<DefinitionDiagnostic> _items = [];

    public IReadOnlyList<DefinitionDiagnostic> Items => _items;

    public bool HasErrors => _items.Any(d => d.Severity == DiagnosticSeverity.Error);

    public void Error(SourceLocation at, string field, string message) => _items.Add(new(at, Printable(field), Printable(message)));

    public void Warning(SourceLocation at, string field, string message) =>
        _items.Add(new(at, Printable(field), Printable(message), DiagnosticSeverity.Warning));

    /// <summary>
    /// Messages quote what the file says, and a file may say anything: control characters, line separators and broken
    /// surrogates are written as escapes, so every diagnostic stays one line that starts with its location (and a
    /// terminal shows no raw bytes).
    /// </summary>
    internal static string Printable(string text)
    {
        if (!text.Any(NeedsEscape))
            return text;
        var builder = new System.Text.StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
                continue;
            }

            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when NeedsEscape(c) => builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c);
}

/// <summary>
/// Reads one YAML mapping into DTO fields. Each accessor names a key as known; <see cref="RejectUnknownKeys"/>
/// reports the keys no accessor asked for, so a typo such as <c>tagret:</c> never passes silently.
/// Structural mistakes (a list where a mapping belongs) are reported here; values are judged by the validators.
/// </summary>
internal sealed class YamlMap
{
    private readonly YamlMappingNode _node;
    private readonly DiagnosticBag _bag;
    private readonly HashSet<string> _known = [];

    public YamlMap(YamlMappingNode node, string path, string file, DiagnosticBag bag)
    {
        _node = node;
        Path = path;
        File = file;
        _bag = bag;
    }

    public string Path { get; }
    public string File { get; }
    public SourceLocation At => Locate(_node, File);

    public static SourceLocation Locate(YamlNode node, string file) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The text of scalar <paramref name="key"/> without claiming the key: for choosing how to read a document
    /// (a key peeked at is still reported as unknown unless a reader asks for it).</summary>
    public string? Peek(string key) =>
        _node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text } && !IsNull(value) ? text : null;

    /// <summary>Whether the mapping holds <paramref name="key"/> at all (null or not), without claiming it.</summary>
    public bool Has(string key) => _node.Children.ContainsKey(new YamlScalarNode(key));

    /// <summary>The value of <paramref name="key"/> as a node, or null when absent or null.</summary>
    public YamlNode? Node(string key)
    {
        _known.Add(key);
        return _node.Children.TryGetValue(new YamlScalarNode(key), out var value) && !IsNull(value) ? value : null;
    }

    public YamlScalar? Scalar(string key, bool required = false) =>
        Present(key, required) is { } node ? AsScalar(node, Child(key)) : null;

    public YamlMap? Map(string key, bool required = false) =>
        Present(key, required) is { } node ? AsMap(node, Child(key)) : null;

    /// <summary>The items of a sequence with their paths (<c>objectives[2]</c>).</summary>
    public IReadOnlyList<(YamlNode Node, string Path)>? Sequence(string key, bool required = false)
    {
        var node = Present(key, required);
        if (node is null)
            return null;

        if (node is not YamlSequenceNode seq)
        {
            _bag.Error(Locate(node, File), Child(key), "must be a list");
            return null;
        }

        return seq.Children.Select((n, i) => (n, $"{Child(key)}[{i}]")).ToArray();
    }

    /// <summary>A mapping of plain strings to strings, such as <c>labels</c>. With <paramref name="allowLists"/>
    /// a value may also be a list of strings (OpenSLO labels), which is joined with commas.</summary>
    public IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? StringMap(string key, bool allowLists = false)
    {
        var map = Map(key);
        if (map is null)
            return null;
        var result = new List<(YamlScalar, YamlScalar)>();
        foreach (var (k, v) in map._node.Children)
        {
            var keyScalar = map.AsScalar(k, map.Path);
            if (keyScalar is null)
                continue;
            keyScalar = keyScalar with { Path = map.Child(keyScalar.Text) };
            map._known.Add(keyScalar.Text);
            var valuePath = map.Child(keyScalar.Text);
            var valueScalar = allowLists && v is YamlSequenceNode list
                ? new YamlScalar(
                    string.Join(",", list.Children.Select((item, i) => map.AsScalar(item, $"{valuePath}[{i}]")?.Text).OfType<string>()),
                    valuePath,
                    Locate(v, File))
                : map.AsScalar(v, valuePath);
            if (valueScalar is not null)
                result.Add((keyScalar, valueScalar));
        }

        return result;
    }

    /// <summary>The node of <paramref name="key"/>; when absent and <paramref name="required"/>, reports it as missing.</summary>
    private YamlNode? Present(string key, bool required)
    {
        var node = Node(key);
        if (node is null && required)
            _bag.Error(At, Child(key), "is required");
        return node;
    }

    public YamlScalar? AsScalar(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            _bag.Error(Locate(node, File), path, "must be a single value, not a list or mapping");
            return null;
        }

        return IsNull(scalar) ? null : new YamlScalar(scalar.Value!, path, Locate(node, File));
    }

    public YamlMap? AsMap(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            _bag.Error(Locate(node, File), path, "must be a mapping of keys to values");
            return null;
        }

        return new YamlMap(map, path, File, _bag);
    }

    /// <summary>Reports every key that no accessor asked for, with the nearest known key as a hint.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var key in _node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (_known.Contains(name))
                continue;
            var hint = Nearest(name, _known);
            var known = string.Join(", ", _known.Order(StringComparer.Ordinal));
            _bag.Error(Locate(key, File), Child(name),
                hint is null ? $"unknown key; expected one of: {known}" : $"unknown key; did you mean '{hint}'?");
        }
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string? Nearest(string name, IEnumerable<string> candidates) =>
        candidates
            .Select(c => (c, d: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.d <= Math.Max(1, x.c.Length / 3))
            .OrderBy(x => x.d)
            .Select(x => x.c)
            .FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }
}
