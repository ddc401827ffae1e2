using Slo.Engine.Budgets;

namespace Slo.Engine.Corrections;

/// <summary>
/// The periods one objective's events are excluded from, merged and in order. Sums over a stretch of time keep the
/// parts between the periods and report the parts inside them separately, so every figure (window, burn rates,
/// slices, reports) counts only what no correction covers.
/// </summary>
public sealed class Exclusions
{
    private readonly Interval[] _periods;

    private Exclusions(Interval[] periods) => _periods = periods;

    public static Exclusions None { get; } = new([]);

    public bool IsEmpty => _periods.Length == 0;

    public IReadOnlyList<Interval> Periods => _periods;

    /// <summary>Merges overlapping and touching periods.</summary>
    public static Exclusions Of(IEnumerable<Interval> periods)
    {
        var merged = new List<Interval>();
        foreach (var p in periods.Where(p => p.End > p.Start).OrderBy(p => p.Start))
        {
            if (merged.Count > 0 && p.Start <= merged[^1].End)
                merged[^1] = new Interval(merged[^1].Start, Instant.Max(merged[^1].End, p.End));
            else
                merged.Add(p);
        }

        return merged.Count == 0 ? None : new Exclusions(merged.ToArray());
    }

    /// <summary>True when <paramref name="at"/> lies inside a period.</summary>
    public bool Covers(Instant at)
    {
        var i = FirstEndingAfter(at);
        return i < _periods.Length && _periods[i].Start <= at;
    }

    /// <summary>Events in [from, to) outside every period (<c>Kept</c>) and inside them (<c>Excluded</c>), each a sum of
    /// the parts through <paramref name="sum"/>.</summary>
    public (EventCounts Kept, EventCounts Excluded) Split(Func<Instant, Instant, EventCounts> sum, Instant from, Instant to)
    {
        ArgumentNullException.ThrowIfNull(sum);
        if (to <= from)
            return (EventCounts.Empty, EventCounts.Empty);
        var kept = EventCounts.Empty;
        var excluded = EventCounts.Empty;
        var cursor = from;
        for (var i = FirstEndingAfter(from); i < _periods.Length && _periods[i].Start < to; i++)
        {
            var start = Instant.Max(_periods[i].Start, from);
            var end = Instant.Min(_periods[i].End, to);
            if (start > cursor)
                kept += sum(cursor, start);
            excluded += sum(start, end);
            cursor = end;
        }

        if (cursor < to)
            kept += sum(cursor, to);
        return (kept, excluded);
    }

    /// <summary>The index of the first period that ends after <paramref name="at"/>.</summary>
    private int FirstEndingAfter(Instant at)
    {
        int lo = 0, hi = _periods.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_periods[mid].End <= at)
                lo = mid + 1;
            else
                hi = mid;
        }

        return lo;
    }
}
