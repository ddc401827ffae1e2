namespace Slo.Engine.Budgets;

/// <summary>
/// How fast a window spends the error budget, relative to spending it evenly over the period:
/// (B_w / T_w) / b. A burn rate of 1 spends exactly the budget by the period's end; 14.4 spends
/// 2% of a 30-day budget in one hour.
/// </summary>
public static class BurnRate
{
    /// <summary>The burn rate of <paramref name="counts"/>, or null when they hold no events.</summary>
    public static double? Compute(Target target, EventCounts counts) =>
        counts.BadRatio is { } ratio ? ratio / target.AllowedBadFraction : null;

    /// <summary>
    /// The burn-rate threshold that spends <paramref name="budgetConsumed"/> of the budget within
    /// <paramref name="longWindow"/>: consumed x period / long window (0.02 x 30d / 1h = 14.4).
    /// </summary>
    public static double Factor(double budgetConsumed, Duration period, Duration longWindow)
    {
        if (!(budgetConsumed > 0 && budgetConsumed <= 1))
            throw new ArgumentOutOfRangeException(nameof(budgetConsumed), budgetConsumed, "The budget share must lie in (0, 1].");
        if (period <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive.");
        if (longWindow <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(longWindow), longWindow, "The long window must be positive.");
        return budgetConsumed * period.TotalSeconds / longWindow.TotalSeconds;
    }
}
