using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions;

/// <summary>One validated service-level objective. Immutable; built only by the definition loader or by tests.</summary>
public sealed class Objective
{
    public Objective(
        ObjectiveId id,
        Signal signal,
        Target target,
        SloWindow window,
        Indicator indicator,
        BudgetingMethod? budgeting = null,
        AlertPolicy? alerting = null,
        IReadOnlyDictionary<string, string>? labels = null,
        string? description = null,
        SourceLocation? definedAt = null,
        string? source = null)
    {
        if (!Enum.IsDefined(signal))
            throw new ArgumentOutOfRangeException(nameof(signal), signal, null);
        Id = id;
        Signal = signal;
        Target = target;
        Window = window ?? throw new ArgumentNullException(nameof(window));
        Indicator = indicator ?? throw new ArgumentNullException(nameof(indicator));
        Budgeting = budgeting ?? BudgetingMethod.Occurrences;
        // A sampled indicator's events are its slices: the budget counts exactly those slices, no others.
        if (indicator is ThresholdIndicator threshold && (Budgeting is not TimeslicesBudgeting slices || slices.SliceLength != threshold.Slice))
            throw new ArgumentException($"A threshold indicator needs time-slice budgeting with its own slice of {Time.DurationText.Format(threshold.Slice)}.", nameof(budgeting));
        Alerting = alerting ?? AlertPolicy.Default;
        Labels = labels ?? new Dictionary<string, string>();
        Description = description;
        DefinedAt = definedAt;
        if (source is not null && !ObjectiveId.IsValidPart(source))
            throw new ArgumentException($"'{source}' is not a valid source name.", nameof(source));
        if (source is not null && indicator is CompositeIndicator)
            throw new ArgumentException("A composite reads its objectives' counts and has no source of its own.", nameof(source));
        Source = source == DefaultSource ? null : source;
    }

    /// <summary>The name of the default source (<c>Prometheus:Url</c>); writing it is the same as writing none.</summary>
    public const string DefaultSource = "default";

    public ObjectiveId Id { get; }
    public string Service => Id.Service;
    public string Name => Id.Name;
    public Signal Signal { get; }
    public Target Target { get; }
    public SloWindow Window { get; }
    public Indicator Indicator { get; }
    public BudgetingMethod Budgeting { get; }
    public AlertPolicy Alerting { get; }

    /// <summary>The service's labels merged with the objective's own; copied onto metrics and alerts.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    public string? Description { get; }

    /// <summary>
    /// The name of the Prometheus source the counts are read from (<c>Prometheus:Sources:NAME</c> in the service's
    /// configuration); null for the default source and for composites, which read their objectives' counts.
    /// </summary>
    public string? Source { get; }

    /// <summary>Where the definition came from, for messages.</summary>
    public SourceLocation? DefinedAt { get; }

    public override string ToString() => Id.ToString();
}
