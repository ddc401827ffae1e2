using Slo.Engine.Budgets;
using Slo.Engine.Time;

namespace Slo.Engine.Alerting;

/// <summary>
/// One multiwindow, multi-burn-rate alert: it fires when both the long and the short window burn faster
/// than the factor that would consume <see cref="BudgetConsumed"/> of the period's budget within the long window.
/// The short window makes the alert stop soon after the burn does.
/// </summary>
public sealed record AlertTier
{
    public AlertTier(Severity severity, double budgetConsumed, Duration longWindow, Duration shortWindow, bool enabled = true)
    {
        if (!Enum.IsDefined(severity))
            throw new ArgumentOutOfRangeException(nameof(severity), severity, null);
        if (!(budgetConsumed > 0 && budgetConsumed <= 1))
            throw new ArgumentOutOfRangeException(nameof(budgetConsumed), budgetConsumed, "The budget share must lie in (0, 1].");
        if (longWindow <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(longWindow), longWindow, "The long window must be positive.");
        if (shortWindow <= Duration.Zero || shortWindow >= longWindow)
            throw new ArgumentOutOfRangeException(nameof(shortWindow), shortWindow, "The short window must be positive and shorter than the long window.");
        Severity = severity;
        BudgetConsumed = budgetConsumed;
        LongWindow = longWindow;
        ShortWindow = shortWindow;
        Enabled = enabled;
    }

    public Severity Severity { get; }

    /// <summary>The share of the period's budget (a fraction) that burning at the factor for the long window consumes.</summary>
    public double BudgetConsumed { get; }

    public Duration LongWindow { get; }
    public Duration ShortWindow { get; }
    public bool Enabled { get; }

    /// <summary>The burn-rate threshold for a window whose period is <paramref name="period"/> long.</summary>
    public double Factor(Duration period) => BurnRate.Factor(BudgetConsumed, period, LongWindow);

    /// <summary>A stable key such as <c>page-1h-5m</c>, used to store alert state.</summary>
    public string Key => $"{Severity.ToName()}-{DurationText.Format(LongWindow)}-{DurationText.Format(ShortWindow)}";

    /// <summary>The four tiers of the SRE Workbook (chapter 5, "Alerting on SLOs"), given for a 30-day period.</summary>
    public static IReadOnlyList<AlertTier> Defaults { get; } =
    [
        new(Severity.Page, 0.02, Duration.FromHours(1), Duration.FromMinutes(5)),
        new(Severity.Page, 0.05, Duration.FromHours(6), Duration.FromMinutes(30)),
        new(Severity.Ticket, 0.10, Duration.FromDays(1), Duration.FromHours(2)),
        new(Severity.Ticket, 0.10, Duration.FromDays(3), Duration.FromHours(6)),
    ];
}
