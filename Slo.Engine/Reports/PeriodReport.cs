using Slo.Engine.Budgets;
using Slo.Engine.Corrections;
using Slo.Engine.Definitions;
using Slo.Engine.Windows;

namespace Slo.Engine.Reports;

/// <summary>The calendar periods a report covers.</summary>
public enum ReportPeriod
{
    Week,
    Month,
    Quarter,
    Year,
}

/// <summary>One objective over one past period: its figures as sums over the period, corrected periods left out.</summary>
/// <param name="Period">[start, end) in UTC instants, the period's local bounds in <paramref name="Zone"/>.</param>
/// <param name="Slices">For timeslice budgeting: good and bad slices, which the SLI and budget come from.</param>
/// <param name="Complete">False when the period has not ended yet at the time of the report.</param>
public sealed record ReportRow(
    Objective Objective,
    Interval Period,
    DateTimeZone Zone,
    EventCounts Events,
    EventCounts Excluded,
    EventCounts? Slices,
    double? Sli,
    bool? Met,
    double? BudgetRemaining,
    bool Complete);

public static class PeriodReports
{
    public static string ToName(this ReportPeriod period) => period.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out ReportPeriod period)
    {
        period = text switch
        {
            "week" => ReportPeriod.Week,
            "month" => ReportPeriod.Month,
            "quarter" => ReportPeriod.Quarter,
            "year" => ReportPeriod.Year,
            _ => (ReportPeriod)(-1),
        };
        return Enum.IsDefined(period);
    }

    /// <summary>The calendar of a period kind in a zone: ISO weeks from Monday, months, quarters and years from January.</summary>
    public static CalendarWindow Calendar(ReportPeriod period, DateTimeZone zone) => period switch
    {
        ReportPeriod.Week => CalendarWindow.Week(zone),
        ReportPeriod.Month => CalendarWindow.Month(zone),
        ReportPeriod.Quarter => CalendarWindow.Quarter(zone),
        ReportPeriod.Year => new CalendarWindow(CalendarUnit.Month, 12, zone),
        _ => throw new ArgumentOutOfRangeException(nameof(period), period, null),
    };

    /// <summary>The period holding local date <paramref name="date"/>, or the last one complete at <paramref name="now"/>.</summary>
    public static Interval PeriodOf(ReportPeriod period, DateTimeZone zone, LocalDate? date, Instant now)
    {
        var calendar = Calendar(period, zone);
        return date is { } d
            ? calendar.PeriodAt(d.AtStartOfDayInZone(zone).ToInstant())
            : calendar.PeriodAt(calendar.PeriodAt(now).Start - Duration.Epsilon);
    }

    /// <summary>The zone an objective's periods are taken in: its calendar window's, else UTC.</summary>
    public static DateTimeZone ZoneOf(Objective objective) => (objective.Window as CalendarWindow)?.Zone ?? DateTimeZone.Utc;

    /// <summary>
    /// The figures of <paramref name="objective"/> over [period.Start, <paramref name="countedTo"/>) from
    /// <paramref name="sum"/> (a ledger's sums), with <paramref name="exclusions"/> left out.
    /// </summary>
    public static ReportRow Compute(Objective objective, Interval period, DateTimeZone zone, Instant countedTo, Func<Instant, Instant, EventCounts> sum, Exclusions exclusions)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentNullException.ThrowIfNull(exclusions);
        var to = Instant.Min(countedTo, period.End);
        var (events, excluded) = exclusions.Split(sum, period.Start, to);
        EventCounts? slices = null;
        var basis = events;
        if (objective.Budgeting is SlicedBudgeting sliced)
        {
            var sliceMs = (long)sliced.SliceLength.TotalMilliseconds;
            var counts = new List<EventCounts>();
            var first = (period.Start.ToUnixTimeMilliseconds() + sliceMs - 1) / sliceMs * sliceMs;
            for (var start = first; start + sliceMs <= to.ToUnixTimeMilliseconds(); start += sliceMs)
                counts.Add(exclusions.Split(sum, Instant.FromUnixTimeMilliseconds(start), Instant.FromUnixTimeMilliseconds(start + sliceMs)).Kept);
            basis = sliced.Combine(counts);
            slices = basis;
        }

        var budget = ErrorBudget.FromEvents(objective.Target, basis);
        double? sli = basis.IsEmpty ? null : basis.Good / basis.Total;
        return new ReportRow(objective, period, zone, events, excluded, slices, sli, sli is { } s ? s >= objective.Target.Fraction : null,
            budget?.Remaining, countedTo >= period.End);
    }
}
