using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;

namespace Slo.Engine.Evaluation;

/// <summary>
/// An objective's numbers at one instant. Ratios are fractions. <see cref="Sli"/> and <see cref="Budget"/> are null
/// when the window held no events (<see cref="ObjectiveState.NoData"/>) or nothing could be measured.
/// </summary>
/// <param name="EvaluatedAt">The instant the numbers describe; a stale status keeps the instant of its last good numbers.</param>
/// <param name="Window">The elapsed window the SLI covers: [start, evaluatedAt).</param>
/// <param name="Events">Event counts over the window.</param>
/// <param name="Slices">For timeslice budgeting: good and bad slice counts, which the SLI and budget are computed from.</param>
/// <param name="ExhaustsAt">When the remaining budget runs out at the current 1h burn rate. Null when it does not run out
/// ahead (nothing burns, or not before the horizon) and also when nothing remains: a spent budget ran out in the past,
/// which <see cref="Budgets.BudgetRunOut"/> reads from the history.</param>
/// <param name="BurnRates">Burn rate per reported window; null for a window without events.</param>
/// <param name="Message">Why the state is stale or error.</param>
public sealed record ObjectiveStatus(
    Objective Objective,
    ObjectiveState State,
    Instant EvaluatedAt,
    Interval Window,
    EventCounts? Events,
    EventCounts? Slices,
    double? Sli,
    ErrorBudget? Budget,
    Instant? ExhaustsAt,
    IReadOnlyDictionary<Duration, double?> BurnRates,
    IReadOnlyList<TierEvaluation> Alerts,
    string? Message = null)
{
    public ObjectiveId Id => Objective.Id;
    public Signal Signal => Objective.Signal;

    /// <summary>True when the numbers may be relied on now (fresh, with data).</summary>
    public bool HasNumbers => Budget is not null && State is ObjectiveState.Ok or ObjectiveState.Stale;

    public IEnumerable<TierEvaluation> FiringAlerts => Alerts.Where(a => a.Firing);

    /// <summary>Events of the window that corrections excluded (counted neither good nor bad).</summary>
    public EventCounts Excluded { get; init; }

    /// <summary>True when a correction covers the instant evaluated.</summary>
    public bool CorrectionActive { get; init; }

    /// <summary>The alerts beside the burn-rate tiers (<c>SLONoData</c>, <c>SLOBudgetExhaustion</c>) the policy enables.</summary>
    public IReadOnlyList<ConditionEvaluation> Conditions { get; init; } = [];

    /// <summary>The same numbers, marked stale because a newer evaluation failed. A status that never had numbers stays an error.</summary>
    public ObjectiveStatus MarkStale(string reason) =>
        State is ObjectiveState.Error ? this with { Message = reason } : this with { State = ObjectiveState.Stale, Message = reason };

    /// <summary>A status for an objective that could not be evaluated at all.</summary>
    public static ObjectiveStatus Failed(Objective objective, Instant at, string message) =>
        new(objective, ObjectiveState.Error, at, objective.Window.ElapsedAt(at), null, null, null, null, null,
            BurnWindows.Reported.ToDictionary(w => w, _ => (double?)null), [], message);
}
