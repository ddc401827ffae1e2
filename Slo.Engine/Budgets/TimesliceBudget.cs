namespace Slo.Engine.Budgets;

/// <summary>
/// Timeslice budgeting: the window is cut into equal slices, a slice is good when its own good ratio
/// meets the slice target, and the SLI is good slices / slices. Slices without any events count
/// neither way (no traffic is no evidence), so the SLI has no value when every slice is empty.
/// </summary>
public static class TimesliceBudget
{
    /// <summary>Classifies each slice and returns the good and bad slice counts as <see cref="EventCounts"/>,
    /// so that the usual budget math (<see cref="ErrorBudget.FromEvents"/>) applies to slices.</summary>
    /// <param name="slices">Event counts per slice, in any order.</param>
    /// <param name="sliceTarget">The good fraction a slice needs, in (0, 1].</param>
    public static EventCounts ClassifySlices(IEnumerable<EventCounts> slices, double sliceTarget)
    {
        if (!(sliceTarget > 0 && sliceTarget <= 1))
            throw new ArgumentOutOfRangeException(nameof(sliceTarget), sliceTarget, "A slice target must lie in (0, 1].");

        double good = 0, bad = 0;
        foreach (var slice in slices)
        {
            if (slice.IsEmpty)
                continue;
            if (slice.Good / slice.Total >= sliceTarget)
                good++;
            else
                bad++;
        }

        return EventCounts.FromTotalAndBad(good + bad, bad);
    }

    /// <summary>
    /// The slices' good ratios averaged, as counts: total = slices with events, bad = the sum of their bad ratios, so
    /// that good / total is the mean good ratio (OpenSLO's <c>RatioTimeslices</c>). Empty slices count neither way.
    /// </summary>
    public static EventCounts AverageSlices(IEnumerable<EventCounts> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        double count = 0, bad = 0;
        foreach (var slice in slices)
        {
            if (slice.IsEmpty)
                continue;
            count++;
            bad += slice.Bad / slice.Total;
        }

        return EventCounts.FromTotalAndBad(count, bad);
    }
}
