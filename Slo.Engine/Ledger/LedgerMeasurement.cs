using Slo.Engine.Budgets;
using Slo.Engine.Corrections;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Engine.Ledger;

/// <summary>
/// An objective's measurement as sums over its ledger. A measurement at an instant counts up to the newest fine-bucket
/// edge at or before it (the newest minute with the default layout): every window ends there, so each is a sum of
/// whole buckets at its recent end.
/// </summary>
public static class LedgerMeasurement
{
    /// <summary>Where the counts of a measurement at <paramref name="at"/> must start: the window's start, or the
    /// longest burn window's, whichever is earlier.</summary>
    public static Instant NeedFrom(Objective objective, Instant at)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var earliest = objective.Window.ElapsedAt(at).Start;
        foreach (var window in objective.Alerting.RequiredWindows())
        {
            if (at - window < earliest)
                earliest = at - window;
        }

        return earliest;
    }

    /// <summary>How far back the ledger of <paramref name="objective"/> keeps counts at <paramref name="at"/>: one more
    /// period before the current one, so the history of the whole window and backtesting into it are sums too.</summary>
    public static Instant RetainFrom(Objective objective, Instant at)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var start = objective.Window.ElapsedAt(at).Start;
        var previous = objective.Window.PeriodAt(start - Duration.Epsilon).Start;
        return Instant.Min(previous, NeedFrom(objective, at));
    }

    /// <summary>Why the ledger cannot measure at <paramref name="at"/>, or null when it can.</summary>
    public static string? Gap(Objective objective, EventLedger ledger, Instant at)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (ledger.IsEmpty)
            return "no event counts are held yet";
        var asOf = ledger.Frontier(at);
        var from = NeedFrom(objective, asOf);
        if (from < ledger.KnownFrom)
            return $"the event counts start at {ledger.KnownFrom}, after {from}";
        if (asOf > ledger.KnownTo)
            return $"the event counts end at {ledger.KnownTo}, before {asOf}";
        return null;
    }

    public static Measurement Measure(Objective objective, EventLedger ledger, Instant at, Exclusions? exclusions = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        using var index = ledger.Index();
        return Measure(objective, ledger, index, at, exclusions);
    }

    /// <summary>A measurement through an <see cref="LedgerIndex"/> of <paramref name="ledger"/>, for many instants.</summary>
    /// <param name="exclusions">Corrected periods of the objective: their events count neither way.</param>
    public static Measurement Measure(Objective objective, EventLedger ledger, LedgerIndex index, Instant at, Exclusions? exclusions = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(index);
        var asOf = ledger.Frontier(at);
        var window = objective.Window.ElapsedAt(asOf);
        exclusions ??= Exclusions.None;
        Func<Instant, Instant, EventCounts> sum = index.Sum;
        var (counts, excluded) = exclusions.Split(sum, window.Start, asOf);
        var burn = objective.Alerting.RequiredWindows().ToDictionary(w => w, w => exclusions.Split(sum, asOf - w, asOf).Kept);
        IReadOnlyList<EventCounts>? slices = null;
        if (objective.Budgeting is SlicedBudgeting sliced)
            slices = Slices((a, b) => exclusions.Split(sum, a, b).Kept, window.Start, asOf, sliced.SliceLength);
        return new Measurement(counts, burn, slices) { Excluded = excluded, CorrectionActive = exclusions.Covers(asOf - Duration.Epsilon) };
    }

    /// <summary>The counts of each slice of <paramref name="slice"/> (aligned to the epoch) that lies wholly in [from, to).</summary>
    private static List<EventCounts> Slices(Func<Instant, Instant, EventCounts> index, Instant from, Instant to, Duration slice)
    {
        var sliceMs = (long)slice.TotalMilliseconds;
        var first = (from.ToUnixTimeMilliseconds() + sliceMs - 1) / sliceMs * sliceMs;
        var last = to.ToUnixTimeMilliseconds() / sliceMs * sliceMs;
        var result = new List<EventCounts>((int)Math.Max(0, (last - first) / sliceMs));
        for (var start = first; start + sliceMs <= last; start += sliceMs)
            result.Add(index(Instant.FromUnixTimeMilliseconds(start), Instant.FromUnixTimeMilliseconds(start + sliceMs)));
        return result;
    }
}
