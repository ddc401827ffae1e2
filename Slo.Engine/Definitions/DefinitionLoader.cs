using Slo.Engine.Definitions.Native;
using Slo.Engine.Definitions.OpenSlo;
using Slo.Engine.Definitions.Pyrra;
using Slo.Engine.Definitions.Sloth;
using Slo.Engine.Definitions.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Slo.Engine.Definitions;

/// <summary>
/// Loads every YAML document of a definitions folder (native <c>slo/v1</c>, OpenSLO v1, Sloth and Pyrra), validates
/// them all and merges them per service. It never stops at the first problem: one run reports every error, each with
/// its place, in the order of the files and, within a file, of the lines.
/// </summary>
public static class DefinitionLoader
{
    /// <summary>Reads every <c>*.yaml</c> and <c>*.yml</c> file below <paramref name="directory"/>, in a stable order.</summary>
    public static DefinitionSet LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            var bag = new DiagnosticBag();
            bag.Error(new SourceLocation(directory, 1, 1), "definitions", $"folder '{directory}' does not exist");
            return new DefinitionSet([], bag.Items);
        }

        return Load(FilesIn(directory).Select(f => (f, File.ReadAllText(f))));
    }

    /// <summary>The definition files below <paramref name="directory"/>, in a stable order.</summary>
    public static IEnumerable<string> FilesIn(string directory) =>
        // Hidden names are skipped, files and folders alike: editors' swap files, and the kubelet's ..data/ and
        // ..<timestamp>/ copies beside the files of a ConfigMap mounted as a folder (read, they load every objective twice).
        Directory
            .EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !Path.GetRelativePath(directory, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);

    /// <summary>Loads definitions from (file name, text) pairs; the names appear in every message.</summary>
    public static DefinitionSet Load(IEnumerable<(string File, string Text)> files)
    {
        var bag = new DiagnosticBag();
        var parts = new List<ServicePart>();
        var openSlo = new List<OpenSloDocumentDto>();
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (file, text) in files)
        {
            order.TryAdd(file, order.Count);
            foreach (var map in ReadFile(file, text, bag))
            {
                if (Read(map, bag, openSlo) is { } part)
                    parts.Add(part);
            }
        }

        // OpenSLO objects name each other across files (an SLO in one, its SLI or DataSource in another): read together.
        parts.AddRange(OpenSloValidator.Validate(openSlo, bag));
        var services = Merge(parts, bag);
        return new DefinitionSet(services, Sorted(bag.Items, order));
    }

    /// <summary>Every finding once, by file (in the order read), line and column; a file's errors read top to bottom.</summary>
    private static DefinitionDiagnostic[] Sorted(IReadOnlyList<DefinitionDiagnostic> items, Dictionary<string, int> order) =>
        items
            .Distinct()
            .OrderBy(d => order.TryGetValue(d.Location.File, out var i) ? i : -1)
            .ThenBy(d => d.Location.Line)
            .ThenBy(d => d.Location.Column)
            .ToArray();

    /// <summary>Reads one document by its <c>apiVersion</c> (or, for a Sloth spec, its <c>version</c>).</summary>
    private static ServicePart? Read(YamlMap map, DiagnosticBag bag, List<OpenSloDocumentDto> openSlo)
    {
        if (map.Peek("apiVersion") is null && map.Peek("version") is { } specVersion)
        {
            if (specVersion == SlothValidator.SpecVersion)
                return SlothValidator.Validate(SlothDocumentDto.ReadSpec(map), bag);
            var version = map.Scalar("version")!;
            bag.Error(version.At, version.Path, $"unsupported Sloth spec version '{specVersion}': expected {SlothValidator.SpecVersion}");
            return null;
        }

        var apiVersion = map.Scalar("apiVersion", required: true);
        switch (apiVersion?.Text)
        {
            case null:
                return null;
            case NativeValidator.ApiVersion:
                return NativeValidator.Validate(NativeDocumentDto.Read(map), bag);
            case OpenSloValidator.ApiVersion:
                openSlo.Add(OpenSloDocumentDto.Read(map));
                return null;
            case SlothValidator.CrdApiVersion:
                return SlothValidator.Validate(SlothDocumentDto.ReadCrd(map), bag);
            case PyrraValidator.ApiVersion:
                return PyrraValidator.Validate(PyrraDocumentDto.Read(map), bag);
            default:
                return Unsupported(apiVersion, apiVersion.Text, bag);
        }
    }

    /// <summary>Loads the definitions of one text, as if it were a file named <paramref name="file"/>.</summary>
    public static DefinitionSet LoadText(string text, string file = "definitions.yaml") => Load([(file, text)]);

    /// <summary>The documents of a file: each YAML document's mapping, or each mapping of a document that is a list of
    /// them (the form OpenSLO tools write and read).</summary>
    private static IEnumerable<YamlMap> ReadFile(string file, string text, DiagnosticBag bag)
    {
        var stream = new YamlStream();
        try
        {
            // Nodes are built recursively: a file of 50,000 nested '[' would overflow the stack, which no catch stops.
            if (TooDeep(text) is { } deep)
            {
                bag.Error(new SourceLocation(file, (int)deep.Line, (int)deep.Column), "yaml", $"nesting deeper than {MaxDepth} levels is not read");
                yield break;
            }

            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            bag.Error(new SourceLocation(file, (int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column)), "yaml", SyntaxMessage(e));
            yield break;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            // The YAML library failing on a shape it should have refused: still one located error, never a crash.
            bag.Error(new SourceLocation(file, 1, 1), "yaml", $"YAML syntax error: the file cannot be read ({e.Message})");
            yield break;
        }

        foreach (var document in stream.Documents)
        {
            var root = document.RootNode;
            if (root is YamlScalarNode { Value: null or "" })
                continue;
            var items = root is YamlSequenceNode list ? list.Children : [root];
            foreach (var item in items)
            {
                if (item is YamlMappingNode mapping)
                    yield return new YamlMap(mapping, "", file, bag);
                else
                    bag.Error(YamlMap.Locate(item, file), "(document)", "a definition document must be a mapping with apiVersion and kind (or a list of them)");
            }
        }
    }

    /// <summary>How deep mappings and sequences may nest; definitions need fewer than ten levels.</summary>
    public const int MaxDepth = 64;

    /// <summary>Where nesting first goes deeper than <see cref="MaxDepth"/>, from the parser's events (which need no
    /// recursion); null when it never does. Syntax errors are left to the full load, which reports them.</summary>
    private static Mark? TooDeep(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxDepth)
                        return parser.Current.Start;
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }

        return null;
    }

    private static ServicePart? Unsupported(YamlScalar at, string version, DiagnosticBag bag)
    {
        bag.Error(at.At, at.Path,
            $"unsupported apiVersion '{version}': expected {NativeValidator.ApiVersion}, {OpenSloValidator.ApiVersion}, {SlothValidator.CrdApiVersion} " +
            $"or {PyrraValidator.ApiVersion} (or a Sloth spec's version: {SlothValidator.SpecVersion})");
        return null;
    }

    private static string SyntaxMessage(YamlException e)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 30) - (Line: ...): "; the place is already in front of the message.
        var message = e.InnerException?.Message ?? e.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        message = cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;
        return $"YAML syntax error: {message}";
    }

    private static List<ServiceDefinition> Merge(List<ServicePart> parts, DiagnosticBag bag)
    {
        var seen = new Dictionary<ObjectiveId, Objective>();
        var services = new List<ServiceDefinition>();
        foreach (var group in parts.GroupBy(p => p.Service, StringComparer.Ordinal))
        {
            var gates = group.Where(p => p.Gate is not null).ToArray();
            foreach (var extra in gates.Skip(1))
                bag.Error(extra.At, "gate", $"service '{group.Key}' already has a gate policy, set at {gates[0].At}");

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in group.SelectMany(p => p.Labels))
            {
                if (labels.TryGetValue(key, out var existing) && existing != value)
                    bag.Error(group.First().At, $"labels.{key}", $"service '{group.Key}' is given two values for label '{key}': '{existing}' and '{value}'");
                labels[key] = value;
            }

            var objectives = new List<Objective>();
            foreach (var objective in group.SelectMany(p => p.Objectives))
            {
                if (seen.TryGetValue(objective.Id, out var first))
                {
                    bag.Error(objective.DefinedAt ?? group.First().At, "id", $"duplicate objective id '{objective.Id}': first defined at {first.DefinedAt}");
                    continue;
                }

                seen.Add(objective.Id, objective);
                objectives.Add(objective);
            }

            var grouped = new List<GroupedObjective>();
            foreach (var template in group.SelectMany(p => p.Grouped))
            {
                if (seen.TryGetValue(template.Id, out var first))
                {
                    bag.Error(template.Template.DefinedAt ?? group.First().At, "id", $"duplicate objective id '{template.Id}': first defined at {first.DefinedAt}");
                    continue;
                }

                seen.Add(template.Id, template.Template);
                grouped.Add(template);
            }

            var corrections = new List<Corrections.Correction>();
            var correctionIds = new Dictionary<string, SourceLocation?>(StringComparer.Ordinal);
            foreach (var (correction, names) in group.SelectMany(p => p.Corrections))
            {
                if (!correctionIds.TryAdd(correction.Id, correction.DefinedAt))
                {
                    bag.Error(correction.DefinedAt ?? group.First().At, "corrections", $"duplicate correction '{correction.Name}' of service '{group.Key}': first defined at {correctionIds[correction.Id]}");
                    continue;
                }

                var unknown = names.Where(n => objectives.All(o => o.Name != n.Text)).ToArray();
                foreach (var name in unknown)
                    bag.Error(name.At, name.Path, $"service '{group.Key}' has no objective '{name.Text}'; known: {string.Join(", ", objectives.Select(o => o.Name))}");
                if (unknown.Length == 0)
                    corrections.Add(correction);
            }

            services.Add(new ServiceDefinition(group.Key, objectives, gates.FirstOrDefault()?.Gate, labels, corrections, grouped));
        }

        return ResolveComposites(services, parts, bag);
    }

    /// <summary>Checks each composite against the objectives of every file (its components exist, are no composites
    /// themselves and share one signal) and gives it that signal; a composite that fails is not loaded.</summary>
    private static List<ServiceDefinition> ResolveComposites(List<ServiceDefinition> services, List<ServicePart> parts, DiagnosticBag bag)
    {
        var all = services.SelectMany(s => s.Objectives).ToDictionary(o => o.Id);
        var references = parts.SelectMany(p => p.CompositeReferences).ToLookup(r => r.Composite);
        var named = parts.SelectMany(p => p.CompositeSignals).ToDictionary(kv => kv.Key, kv => kv.Value);
        var result = new List<ServiceDefinition>(services.Count);
        foreach (var service in services)
        {
            var objectives = new List<Objective>(service.Objectives.Count);
            foreach (var objective in service.Objectives)
            {
                if (objective.Indicator is not CompositeIndicator composite)
                {
                    objectives.Add(objective);
                    continue;
                }

                var ok = true;
                var signals = new List<(ObjectiveId Id, Signal Signal)>();
                foreach (var (_, component, at) in references[objective.Id])
                {
                    if (!all.TryGetValue(component, out var found))
                    {
                        bag.Error(at.At, at.Path, $"no objective '{component}' is defined");
                        ok = false;
                    }
                    else if (found.Indicator is CompositeIndicator)
                    {
                        bag.Error(at.At, at.Path, $"'{component}' is a composite itself; a composite is made of plain objectives");
                        ok = false;
                    }
                    else
                    {
                        signals.Add((component, found.Signal));
                    }
                }

                if (!ok)
                    continue;
                var distinct = signals.Select(s => s.Signal).Distinct().ToArray();
                var at0 = objective.DefinedAt ?? new SourceLocation("definitions", 1, 1);
                if (distinct.Length > 1)
                {
                    bag.Error(at0, "composite", "a composite carries one signal, and its objectives mix them: " +
                        string.Join(", ", signals.Select(s => $"{s.Id} ({s.Signal.ToName()})")));
                    continue;
                }

                var signal = distinct.Single();
                if (named.TryGetValue(objective.Id, out var given) && given.Text != signal.ToName())
                {
                    bag.Error(given.At, given.Path, $"the composite's objectives are {signal.ToName()} objectives; its signal cannot be '{given.Text}'");
                    continue;
                }

                objectives.Add(new Objective(objective.Id, signal, objective.Target, objective.Window, new CompositeIndicator(composite.Components, signal),
                    objective.Budgeting, objective.Alerting, objective.Labels, objective.Description, objective.DefinedAt));
            }

            result.Add(service.WithObjectives(objectives));
        }

        return result;
    }
}
