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
        SourceLocation? definedAt = null)
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
    }

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

    /// <summary>Where the definition came from, for messages.</summary>
    public SourceLocation? DefinedAt { get; }

    public override string ToString() => Id.ToString();
}
