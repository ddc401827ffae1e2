namespace Slo.Engine.Definitions;

/// <summary>The outcome of loading a definitions folder: the services that validated and every finding.
/// When <see cref="IsValid"/> is false the services hold only what validated and must not replace a good set.</summary>
public sealed class DefinitionSet
{
    private readonly Dictionary<ObjectiveId, Objective> _byId;
    private readonly Dictionary<string, ServiceDefinition> _byService;

    public DefinitionSet(IReadOnlyList<ServiceDefinition> services, IReadOnlyList<DefinitionDiagnostic> diagnostics)
    {
        Services = services;
        Diagnostics = diagnostics;
        Objectives = services.SelectMany(s => s.Objectives).ToArray();
        _byId = Objectives.ToDictionary(o => o.Id);
        _byService = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public static DefinitionSet Empty { get; } = new([], []);

    public IReadOnlyList<ServiceDefinition> Services { get; }
    public IReadOnlyList<Objective> Objectives { get; }
    public IReadOnlyList<DefinitionDiagnostic> Diagnostics { get; }

    public IEnumerable<DefinitionDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
    public IEnumerable<DefinitionDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);
    public bool IsValid => !Errors.Any();

    public Objective? Find(ObjectiveId id) => _byId.GetValueOrDefault(id);

    public Objective? Find(string service, string name) =>
        ObjectiveId.IsValidPart(service) && ObjectiveId.IsValidPart(name) ? Find(new ObjectiveId(service, name)) : null;

    /// <summary>The objective of an id written as <c>service/name</c>, or null.</summary>
    public Objective? Find(string id) => ObjectiveId.TryParse(id, out var parsed) ? Find(parsed) : null;

    public ServiceDefinition? FindService(string service) => _byService.GetValueOrDefault(service);

    /// <summary>The grouped objectives' templates, expanded by <see cref="WithGroups"/>.</summary>
    public IEnumerable<GroupedObjective> Grouped => Services.SelectMany(s => s.Grouped);

    /// <summary>
    /// This set (as loaded, not expanded yet) with each template of <see cref="Grouped"/> expanded into one objective per group in
    /// <paramref name="groups"/> (by template id; a template without an entry has no objectives yet). An expansion whose
    /// id another objective already has is left out and reported through <paramref name="conflicts"/>.
    /// </summary>
    public DefinitionSet WithGroups(IReadOnlyDictionary<ObjectiveId, IReadOnlyList<IReadOnlyDictionary<string, string>>> groups, out IReadOnlyList<string> conflicts)
    {
        var taken = Services.SelectMany(s => s.Objectives).Select(o => o.Id).ToHashSet();
        var added = new HashSet<ObjectiveId>();
        var found = new List<string>();
        var services = new List<ServiceDefinition>(Services.Count);
        foreach (var service in Services)
        {
            var own = service.Objectives.ToList();
            foreach (var template in service.Grouped)
            {
                foreach (var group in groups.GetValueOrDefault(template.Id) ?? [])
                {
                    var objective = template.Expand(group);
                    if (taken.Add(objective.Id))
                    {
                        own.Add(objective);
                        added.Add(objective.Id);
                    }
                    else
                        found.Add($"{template.Id}: the group {{{string.Join(", ", template.GroupBy.Select(l => $"{l}=\"{group.GetValueOrDefault(l)}\""))}}} would be named {objective.Id}, which is taken");
                }
            }

            services.Add(service.Grouped.Count == 0 ? service : service.WithObjectives(own));
        }

        conflicts = found;
        return new DefinitionSet(services, Diagnostics) { _expansions = added };
    }

    private HashSet<ObjectiveId> _expansions = [];

    /// <summary>Whether <paramref name="id"/> is one group's objective of a grouped template (not written in a file).</summary>
    public bool IsExpansion(ObjectiveId id) => _expansions.Contains(id);
}
