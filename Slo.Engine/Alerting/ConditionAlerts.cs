using Slo.Engine.Budgets;
using Slo.Engine.Definitions;

namespace Slo.Engine.Alerting;

/// <summary>An alert beside the burn-rate tiers, decided at one instant.</summary>
/// <param name="Key">Its key in the alert states (<c>nodata</c>, <c>exhaustion</c>).</param>
/// <param name="Name">The Alertmanager <c>alertname</c>.</param>
/// <param name="ExhaustsAt">For <c>SLOBudgetExhaustion</c>: when the forecast says the budget runs out (the past
/// instant it did when it already has, if known).</param>
public sealed record ConditionEvaluation(string Key, string Name, Severity Severity, bool Firing, string Detail, Instant? ExhaustsAt = null);

/// <summary>
/// <c>SLONoData</c>: an objective whose window holds events has had none for <see cref="AlertPolicy.NoDataAfter"/> (an
/// exporter that stopped must page, not look perfect; a correction in force silences it). <c>SLOBudgetExhaustion</c>
/// (ticket): the forecast at the current burn rate says the budget runs out within <see cref="AlertPolicy.ExhaustionWithin"/>,
/// or it already has.
/// </summary>
public static class ConditionAlerts
{
    public const string NoDataKey = "nodata";
    public const string NoDataName = "SLONoData";
    public const string ExhaustionKey = "exhaustion";
    public const string ExhaustionName = "SLOBudgetExhaustion";

    /// <summary>The keys an objective's policy enables.</summary>
    public static IEnumerable<string> EnabledKeys(AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.NoDataAfter is not null)
            yield return NoDataKey;
        if (policy.ExhaustionWithin is not null)
            yield return ExhaustionKey;
    }

    public static IReadOnlyList<ConditionEvaluation> Evaluate(
        Objective objective, Instant at, EventCounts window, IReadOnlyDictionary<Duration, EventCounts> burnWindows, bool correctionActive,
        ErrorBudget? budget, Instant? exhaustsAt)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var policy = objective.Alerting;
        var result = new List<ConditionEvaluation>(2);
        if (policy.NoDataAfter is { } silence)
        {
            var recent = burnWindows.GetValueOrDefault(silence);
            var silent = !window.IsEmpty && recent.IsEmpty && !correctionActive;
            result.Add(new ConditionEvaluation(NoDataKey, NoDataName, Severity.Page, silent,
                $"{objective.Id} had events in its window but none in the last {Time.DurationText.Format(silence)}"));
        }

        if (policy.ExhaustionWithin is { } within && budget is not null)
        {
            var spent = budget.Remaining <= 0;
            var soon = exhaustsAt is { } when && when - at <= within;
            result.Add(new ConditionEvaluation(ExhaustionKey, ExhaustionName, Severity.Ticket, spent || soon,
                spent
                    ? $"{objective.Id} has spent its {objective.Signal.ToName()} error budget"
                    : $"{objective.Id}'s {objective.Signal.ToName()} error budget runs out at the current burn rate within {Time.DurationText.Format(within)}",
                exhaustsAt));
        }

        return result;
    }
}
