namespace Slo.Engine.Budgets;

/// <summary>
/// When a budget that is spent now ran out, read from its evaluations: the forecast
/// (<see cref="ErrorBudget.ForecastExhaustion"/>) only looks ahead, so for a budget at or below 0 the answer lies in the past.
/// </summary>
/// <param name="By">The first evaluation of the latest spent stretch (remaining at or below 0): the budget had run out by then.</param>
/// <param name="After">The evaluation just before it, which still had budget left; null when every evaluation given is
/// spent, so the budget ran out at <paramref name="By"/> or earlier.</param>
public sealed record BudgetRunOut(Instant By, Instant? After)
{
    /// <summary>
    /// The latest crossing of 0 in <paramref name="history"/> (remaining budget as a fraction, in any order; null values,
    /// evaluations without numbers, are skipped). Null when the newest known value still has budget left, or none is known.
    /// A rolling window's budget may recover and run out again: only the stretch that lasts until now counts.
    /// </summary>
    public static BudgetRunOut? Find(IEnumerable<(Instant At, double? Remaining)> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        Instant? by = null;
        foreach (var (at, remaining) in history.Where(p => p.Remaining is { } r && !double.IsNaN(r)).OrderByDescending(p => p.At))
        {
            if (remaining > 0)
                return by is { } spent ? new BudgetRunOut(spent, at) : null;
            by = at;
        }

        return by is { } first ? new BudgetRunOut(first, null) : null;
    }
}
