using CsCheck;
using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>
/// The definition loader fed random YAML: the shipped definitions mutated by random edits with the characters and
/// tokens that broke parsers before (document markers, CR and NEL, unbalanced brackets, anchors, tags, deep nesting,
/// lone surrogates), and random token soup. Whatever comes in, it returns; every diagnostic is located in the file
/// it read and printable on one line.
/// </summary>
[TestFixture]
public class LoaderPropertyTests
{
    private static readonly string[] Tokens =
    [
        "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\t", "\0", "\u001b", "\uFEFF", "\uFFFE", "\uD800", "\uDC00",
        "---\n", "...\n", "--- |\n", "%YAML 1.2\n", "%TAG ! tag:x,2000:\n",
        "[", "]", "{", "}", ",", ": ", ":", "- ", "? ", "|", "|-", ">", ">+", "'", "\"", "#", "&a ", "*a", "*b", "<<: *a\n",
        "!!str ", "!!int ", "!!binary ", "!!map ", "!custom ", "!<tag:x> ",
        "apiVersion: slo/v1\n", "apiVersion: openslo/v1\n", "kind: SLO\n", "kind: ServiceObjectives\n", "kind: Slo\n",
        "service: s\n", "objectives:\n  - ", "target: ", "window: ", "indicator: ", "ratio: ", "latency: ", "timeslices: ",
        "99.9", "100", "0", "-1", "1e309", "-0", ".nan", ".inf", "0x1F", "0o17", "30d", "P30D", "0s", "999999999999999999999d",
        "{{window}}", "{{.window}}", "rate(x[5m])", "x{a=\"b\"}", "x{", "Europe/Berlin", "Mars/Olympus", "2026-02-30T25:61:00",
        new string(' ', 17), new string('[', 70), new string('{', 70), "\\u", "\\x", "\\", "~", "null", "true", "yes",
    ];

    private static readonly string[] Seeds = LoadSeeds();

    private static string[] LoadSeeds()
    {
        var files = Directory.GetFiles(ValidateCommandTests.RepositoryDefinitions(), "*.yaml");
        return files.Select(File.ReadAllText).Append("").ToArray();
    }

    private static readonly Gen<string> Token = Gen.OneOf(Tokens);

    private static readonly Gen<char> AnyChar = Gen.Frequency(
        (6, Gen.Char['\u0020', '\u007e']),
        (2, Gen.OneOf('\n', '\r', '\t', '\u0085', '\u2028', '\0', '\u00a0', '\u0007')),
        (1, Gen.Char['\u0080', '\uffff']));

    // One edit of a text: insert a token or a random string, delete or duplicate a span, at a random place.
    private static readonly Gen<Func<string, string>> Edit = Gen.Frequency(
        (4, Gen.Select(Gen.Double[0, 1], Token, (at, token) => (Func<string, string>)(s => s.Insert(Index(s, at), token)))),
        (2, Gen.Select(Gen.Double[0, 1], Gen.String[AnyChar, 1, 12], (at, text) => (Func<string, string>)(s => s.Insert(Index(s, at), text)))),
        (2, Gen.Select(Gen.Double[0, 1], Gen.Int[1, 40], (at, length) => (Func<string, string>)(s =>
        {
            var start = Index(s, at);
            return s.Remove(start, Math.Min(length, s.Length - start));
        }))),
        (1, Gen.Select(Gen.Double[0, 1], Gen.Int[1, 200], (at, length) => (Func<string, string>)(s =>
        {
            var start = Index(s, at);
            return s.Insert(start, s.Substring(start, Math.Min(length, s.Length - start)));
        }))));

    private static int Index(string s, double at) => (int)Math.Floor(at * s.Length);

    private static readonly Gen<string> Mutated =
        Gen.Select(Gen.OneOf(Seeds), Edit.Array[1, 10], (seed, edits) => edits.Aggregate(seed, (text, edit) => edit(text)));

    private static readonly Gen<string> Soup = Token.Array[0, 60].Select(tokens => string.Concat(tokens));

    private static void AssertLocatedErrorsOnly(string text)
    {
        const string file = "fuzz/objectives.yaml";
        var set = DefinitionLoader.LoadText(text, file);
        var lines = text.Split('\n').Length + text.Count(c => c is '\r' or '\u0085' or '\u2028' or '\u2029') + 1;
        foreach (var d in set.Diagnostics)
        {
            var shown = d.ToString();
            if (d.Location.File != file || d.Location.Line < 1 || d.Location.Column < 1 || d.Location.Line > lines)
                throw new AssertionException($"diagnostic not located in the file: {shown}");
            if (shown.Any(c => char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u0085'))
                throw new AssertionException($"diagnostic is not one printable line: {shown}");
            if (!shown.StartsWith($"{file}:{d.Location.Line}:{d.Location.Column}: ", StringComparison.Ordinal))
                throw new AssertionException($"diagnostic does not start with file:line:column: {shown}");
        }
    }

    [Test]
    public void Load_MutatedDefinitions_OnlyEverReturnsLocatedDiagnostics() =>
        Mutated.Sample(AssertLocatedErrorsOnly, iter: 3_000, threads: 1);

    [Test]
    public void Load_TokenSoup_OnlyEverReturnsLocatedDiagnostics() =>
        Soup.Sample(AssertLocatedErrorsOnly, iter: 3_000, threads: 1);
}
