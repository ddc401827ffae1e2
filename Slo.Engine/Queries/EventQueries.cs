using System.Globalization;
using System.Text;
using Slo.Engine.Definitions;

namespace Slo.Engine.Queries;

/// <summary>Which counter a result series holds.</summary>
public enum CountKind
{
    Total,
    Good,
    Bad,
}

/// <summary>
/// Builds the PromQL that counts an objective's events per ledger bucket: <c>sum(increase(SELECTOR[B]))</c> for the
/// total and for the good or bad events, each tagged with a label <see cref="SeriesLabel"/> such as <c>7|total</c>, so
/// that the parts of many objectives join with <c>or</c> into one request and their answers can be told apart. Run as a
/// range query with step B, each point counts the bucket ending there; as an instant query, the bucket-long stretch
/// ending at the instant. Selectors are re-rendered from their parsed form with every label value quoted and escaped,
/// so a definition cannot add PromQL of its own. A threshold indicator's events are its time slices, counted per bucket
/// with subqueries at the slice's step (see <see cref="SliceCounts"/>).
/// </summary>
public static class EventQueries
{
    /// <summary>The label that tags each part of a batched query: <c>tag|kind</c>.</summary>
    public const string SeriesLabel = "slo_series";

    /// <summary>The total and good-or-bad counts over <paramref name="bucket"/>, tagged <c>{tag}|total</c> and
    /// <c>{tag}|good</c> or <c>{tag}|bad</c>.</summary>
    /// <param name="leValue">For a latency indicator: the exact text of the <c>le</c> label that equals the threshold
    /// (histograms format bounds differently, so the caller looks it up); ignored otherwise.</param>
    public static string BucketCounts(Objective objective, Duration bucket, string tag, string? leValue = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var (numeratorKind, numerator, total) = Parts(objective.Indicator, leValue);
        // A threshold's slices are points in time: each bucket takes those ending in (start, end], no more (see SliceCounts).
        var text = RangeText(objective.Indicator is ThresholdIndicator ? bucket - Duration.FromMilliseconds(1) : bucket);
        return $"{Tag(total(text), tag, CountKind.Total)}\nor {Tag(numerator(text), tag, numeratorKind)}";
    }

    /// <summary>
    /// The most samples any series of the indicator's total holds over the last 10 minutes, tagged <c>{tag}|total</c>:
    /// it tells how often the counters are scraped, so the finest bucket can be short enough to be fresh and long
    /// enough to hold two samples (<c>increase</c> needs two). Null for raw queries, whose series are unknown.
    /// </summary>
    public static string? ScrapeDensity(Objective objective, string tag)
    {
        ArgumentNullException.ThrowIfNull(objective);
        SeriesSelector? total = objective.Indicator switch
        {
            RatioIndicator r => r.Total,
            LatencyIndicator l => l.Selector.WithMetric(l.Histogram + "_count"),
            _ => null,
        };
        return total is null ? null : Tag($"max(count_over_time({total}[10m]))", tag, CountKind.Total);
    }

    /// <summary>Whether the indicator counts bad events (else good ones) beside the total.</summary>
    public static CountKind NumeratorKind(Indicator indicator) =>
        indicator is RatioIndicator { Bad: not null } or RawRatioIndicator { BadQuery: not null } ? CountKind.Bad : CountKind.Good;

    /// <summary>Reads a <see cref="SeriesLabel"/> value back into its tag and kind.</summary>
    public static bool TryParseKey(string key, out string tag, out CountKind kind)
    {
        kind = default;
        tag = "";
        var bar = key.LastIndexOf('|');
        if (bar <= 0)
            return false;
        tag = key[..bar];
        switch (key[(bar + 1)..])
        {
            case "total": kind = CountKind.Total; return true;
            case "good": kind = CountKind.Good; return true;
            case "bad": kind = CountKind.Bad; return true;
            default: return false;
        }
    }

    /// <summary>A PromQL range: the largest single unit that divides it (30d, 90m), else whole seconds.</summary>
    public static string RangeText(Duration range)
    {
        var ms = (long)range.TotalMilliseconds;
        if (ms <= 0)
            throw new ArgumentOutOfRangeException(nameof(range), range, "A range must be positive.");
        foreach (var (unit, size) in new[] { ("d", 86_400_000L), ("h", 3_600_000L), ("m", 60_000L), ("s", 1_000L) })
        {
            if (ms % size == 0)
                return (ms / size).ToString(CultureInfo.InvariantCulture) + unit;
        }

        return ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    /// <summary>The text of a histogram bound as Prometheus clients usually write it (0.3, 1, 2.5).</summary>
    public static string FormatBound(double seconds) => seconds.ToString("R", CultureInfo.InvariantCulture);

    private static string KindText(CountKind kind) => kind switch
    {
        CountKind.Total => "total",
        CountKind.Good => "good",
        _ => "bad",
    };

    private static string Tag(string expression, string tag, CountKind kind) =>
        $"label_replace({expression}, \"{SeriesLabel}\", \"{tag}|{KindText(kind)}\", \"\", \"\")";

    private static string Increase(SeriesSelector selector, string range) => $"sum(increase({selector}[{range}]))";

    private static (CountKind Kind, Func<string, string> Numerator, Func<string, string> Total) Parts(Indicator indicator, string? leValue)
    {
        switch (indicator)
        {
            case RatioIndicator r:
                var numerator = r.Good ?? r.Bad!;
                return (r.Good is null ? CountKind.Bad : CountKind.Good, w => Increase(numerator, w), w => Increase(r.Total, w));
            case RawRatioIndicator q:
                var raw = q.GoodQuery ?? q.BadQuery!;
                return (q.GoodQuery is null ? CountKind.Bad : CountKind.Good,
                    w => Substitute(raw, w),
                    w => Substitute(q.TotalQuery, w));
            case ThresholdIndicator t:
                return (CountKind.Good, w => SliceCounts(t, w).Good, w => SliceCounts(t, w).Total);
            case LatencyIndicator l:
                var le = leValue ?? FormatBound(l.ThresholdSeconds);
                var bucket = l.Selector.WithMetric(l.Histogram + "_bucket").With(new LabelMatcher("le", MatchOperator.Equal, le));
                var count = l.Selector.WithMetric(l.Histogram + "_count");
                return (CountKind.Good, w => Increase(bucket, w), w => Increase(count, w));
            default:
                throw new ArgumentException($"Unknown indicator {indicator.GetType().Name}.", nameof(indicator));
        }
    }

    /// <summary>
    /// The slices of a threshold indicator among the points of the subquery <c>[range:slice]</c> at the instant it is
    /// evaluated: Prometheus evaluates a subquery at absolute multiples of its step (since the epoch), so the points are
    /// the slice ends. Total = slices where the query has a value; good = slices where every value satisfies the bound.
    /// NaN (a quantile of no requests) is no value. Both results are single series without labels (count() drops them),
    /// so a query whose series come and go still counts one event per slice. A bucket [s, e) asks at e for the range
    /// e - s - 1ms: the slice ends in (s, e], whether the range includes its start (Prometheus 2) or not (Prometheus 3).
    /// </summary>
    public static (string Total, string Good) SliceCounts(ThresholdIndicator threshold, string range)
    {
        ArgumentNullException.ThrowIfNull(threshold);
        var step = RangeText(threshold.Slice);
        var valued = Valued(threshold);
        return ($"count_over_time(count({valued})[{range}:{step}])",
            $"count_over_time((count({valued} {threshold.Op.ToPromQl()} {Bound(threshold)}) == count({valued}))[{range}:{step}])");
    }

    /// <summary>One sample per slice for recording rules: 1 when every value satisfies the bound, 0 when one does not,
    /// nothing when the query has no value.</summary>
    public static string SliceGood(ThresholdIndicator threshold)
    {
        ArgumentNullException.ThrowIfNull(threshold);
        var valued = Valued(threshold);
        return $"(count({valued} {threshold.Op.ToPromQl()} {Bound(threshold)}) == bool count({valued})) or (count({valued}) * 0)";
    }

    // The query's values that are numbers: NaN compares false with everything, -Inf and +Inf stay.
    private static string Valued(ThresholdIndicator threshold) => $"(({threshold.Query}) >= -Inf)";

    private static string Bound(ThresholdIndicator threshold) => threshold.Value.ToString("R", CultureInfo.InvariantCulture);

    // A raw query is the definition author's own PromQL by design; it is wrapped in parentheses so that it stays
    // one operand of the batched expression.
    private static string Substitute(string query, string range) =>
        new StringBuilder("(").Append(query.Replace(RawRatioIndicator.WindowPlaceholder, range, StringComparison.Ordinal)).Append(')').ToString();
}
