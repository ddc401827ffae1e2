namespace Slo.Engine.Budgets;

/// <summary>
/// The error budget of one objective over its window. All ratios are fractions.
/// <see cref="Remaining"/> goes below 0 when the budget is overspent: it is reported as it is, never clamped.
/// </summary>
/// <param name="Allowed">The allowed bad fraction b = 1 - target.</param>
/// <param name="Consumed">B / (b T): 1 means exactly spent, above 1 overspent.</param>
/// <param name="Remaining">1 - consumed.</param>
/// <param name="RemainingEvents">b T - B: bad events that may still happen in this window (negative when overspent).</param>
public sealed record ErrorBudget(double Allowed, double Consumed, double Remaining, double RemainingEvents)
{
    /// <summary>Computes the budget for occurrence counting; null when the window has no events (state <c>no_data</c>).</summary>
    public static ErrorBudget? FromEvents(Target target, EventCounts counts)
    {
        if (counts.IsEmpty)
            return null;

        var allowed = target.AllowedBadFraction;
        var allowedEvents = allowed * counts.Total;
        var consumed = counts.Bad / allowedEvents;
        return new ErrorBudget(allowed, consumed, 1 - consumed, allowedEvents - counts.Bad);
    }

    /// <summary>
    /// When the remaining budget runs out if the current burn rate holds: remaining x period / burn rate.
    /// Null when nothing remains, nothing burns, or the instant lies beyond <paramref name="horizon"/>
    /// (a calendar window resets at its end, so no exhaustion after it is real).
    /// </summary>
    /// <param name="from">The evaluation instant.</param>
    /// <param name="period">The window's full length; a burn rate of 1 spends the whole budget in it.</param>
    /// <param name="burnRate">The recent burn rate (the 1h one by convention).</param>
    /// <param name="horizon">The latest instant worth reporting.</param>
    public Instant? ForecastExhaustion(Instant from, Duration period, double? burnRate, Instant horizon)
    {
        if (Remaining <= 0 || burnRate is not { } rate || !(rate > 0) || !double.IsFinite(rate))
            return null;

        var seconds = Remaining * period.TotalSeconds / rate;
        var latest = (horizon - from).TotalSeconds;
        if (!(seconds <= latest))
            return null;
        return from + Duration.FromSeconds(seconds);
    }
}
