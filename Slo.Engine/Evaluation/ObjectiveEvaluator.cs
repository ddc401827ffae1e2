using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Windows;

namespace Slo.Engine.Evaluation;

/// <summary>Computes an objective's status from measured event counts. Pure: the same inputs give the same status.</summary>
public static class ObjectiveEvaluator
{
    /// <summary>How far ahead a rolling window's exhaustion forecast may reach before it stops meaning anything.</summary>
    public static Duration RollingForecastHorizon { get; } = Duration.FromDays(3650);

    public static ObjectiveStatus Evaluate(Objective objective, Instant at, Measurement measurement)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(measurement);

        var window = objective.Window.ElapsedAt(at);
        var period = objective.Window.PeriodAt(at);

        EventCounts? slices = null;
        var basis = measurement.Window;
        if (objective.Budgeting is SlicedBudgeting sliced)
        {
            basis = sliced.Combine(measurement.Slices ?? []);
            slices = basis;
        }

        var budget = ErrorBudget.FromEvents(objective.Target, basis);
        double? sli = basis.IsEmpty ? null : basis.Good / basis.Total;

        var burnRates = BurnWindows.Reported.ToDictionary(
            w => w,
            w => BurnRate.Compute(objective.Target, measurement.BurnWindows.GetValueOrDefault(w)));
        var alerts = objective.Alerting.Evaluate(period.Duration, objective.Target, measurement.BurnWindows);

        var horizon = objective.Window is CalendarWindow ? period.End : at + RollingForecastHorizon;
        var forecastRate = BurnRate.Compute(objective.Target, measurement.BurnWindows.GetValueOrDefault(BurnWindows.Forecast));
        var exhaustsAt = budget?.ForecastExhaustion(at, period.Duration, forecastRate, horizon);

        return new ObjectiveStatus(
            objective,
            budget is null ? ObjectiveState.NoData : ObjectiveState.Ok,
            at,
            window,
            measurement.Window,
            slices,
            sli,
            budget,
            exhaustsAt,
            burnRates,
            alerts)
        {
            Excluded = measurement.Excluded,
            CorrectionActive = measurement.CorrectionActive,
            Conditions = ConditionAlerts.Evaluate(objective, at, measurement.Window, measurement.BurnWindows, measurement.CorrectionActive, budget, exhaustsAt),
        };
    }
}
