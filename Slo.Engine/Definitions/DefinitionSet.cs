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

    public ServiceDefinition? FindService(string service) => _byService.GetValueOrDefault(service);
}
