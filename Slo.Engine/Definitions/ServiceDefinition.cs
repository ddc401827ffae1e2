using Slo.Engine.Gating;

namespace Slo.Engine.Definitions;

/// <summary>A service with its objectives, labels and release-gate policy.</summary>
public sealed class ServiceDefinition
{
    public ServiceDefinition(string name, IReadOnlyList<Objective> objectives, GatePolicy? gate = null, IReadOnlyDictionary<string, string>? labels = null,
        IReadOnlyList<Corrections.Correction>? corrections = null, IReadOnlyList<GroupedObjective>? grouped = null)
    {
        if (!ObjectiveId.IsValidPart(name))
            throw new ArgumentException($"'{name}' is not a valid service name.", nameof(name));
        ArgumentNullException.ThrowIfNull(objectives);
        var stray = objectives.FirstOrDefault(o => o.Service != name);
        if (stray is not null)
            throw new ArgumentException($"Objective {stray.Id} does not belong to service {name}.", nameof(objectives));
        Name = name;
        Objectives = objectives;
        Gate = gate ?? GatePolicy.Default;
        Labels = labels ?? new Dictionary<string, string>();
        Corrections = corrections ?? [];
        Grouped = grouped ?? [];
        if (Grouped.FirstOrDefault(g => g.Id.Service != name) is { } strayGroup)
            throw new ArgumentException($"Grouped objective {strayGroup.Id} does not belong to service {name}.", nameof(grouped));
    }

    /// <summary>Templates expanded into objectives per group of label values; their objectives are in
    /// <see cref="Objectives"/> once the groups are known (<see cref="DefinitionSet.WithGroups"/>).</summary>
    public IReadOnlyList<GroupedObjective> Grouped { get; }

    /// <summary>This service with other objectives (its templates' expansions).</summary>
    public ServiceDefinition WithObjectives(IReadOnlyList<Objective> objectives) => new(Name, objectives, Gate, Labels, Corrections, Grouped);

    /// <summary>The corrections written in the definitions (the API adds its own beside them).</summary>
    public IReadOnlyList<Corrections.Correction> Corrections { get; }

    public string Name { get; }
    public IReadOnlyList<Objective> Objectives { get; }
    public GatePolicy Gate { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
}
