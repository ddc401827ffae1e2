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
/// Builds the PromQL that counts an objective's events. All windows of one objective go into a single expression:
/// each <c>sum(increase(SELECTOR[W]))</c> is tagged with a label <see cref="SeriesLabel"/> such as <c>total|30d</c>
/// and the parts are joined with <c>or</c>, so one HTTP request returns every count. Selectors are re-rendered from
/// their parsed form with every label value quoted and escaped, so a definition cannot add PromQL of its own.
/// </summary>
public static class EventQueries
{
    /// <summary>The label that tags each part of a batched query: <c>kind|range</c>.</summary>
    public const string SeriesLabel = "slo_series";

    /// <summary>
    /// One expression counting total and good-or-bad events over each of <paramref name="ranges"/>.
    /// </summary>
    /// <param name="leValue">For a latency indicator: the exact text of the <c>le</c> label that equals the threshold
    /// (histograms format bounds differently, so the caller looks it up); ignored otherwise.</param>
    public static string Counts(Objective objective, IEnumerable<Duration> ranges, string? leValue = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var (numeratorKind, numerator, total) = Parts(objective.Indicator, leValue);
        var parts = new List<string>();
        foreach (var range in ranges.Distinct())
        {
            var text = RangeText(range);
            parts.Add(Tag(total(text), CountKind.Total, text));
            parts.Add(Tag(numerator(text), numeratorKind, text));
        }

        if (parts.Count == 0)
            throw new ArgumentException("At least one range is required.", nameof(ranges));
        return string.Join("\nor ", parts);
    }

    /// <summary>
    /// An expression for a range query whose every step gives the counts of the slice ending there; evaluate it
    /// with step = <paramref name="slice"/>.
    /// </summary>
    public static string SliceCounts(Objective objective, Duration slice, string? leValue = null)
    {
        var (numeratorKind, numerator, total) = Parts(objective.Indicator, leValue);
        var text = RangeText(slice);
        return $"{Tag(total(text), CountKind.Total, text)}\nor {Tag(numerator(text), numeratorKind, text)}";
    }

    /// <summary>The <see cref="SeriesLabel"/> value of one part.</summary>
    public static string Key(CountKind kind, Duration range) => $"{KindText(kind)}|{RangeText(range)}";

    /// <summary>Reads a <see cref="SeriesLabel"/> value back.</summary>
    public static bool TryParseKey(string key, out CountKind kind, out string range)
    {
        kind = default;
        range = "";
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0)
            return false;
        range = key[(bar + 1)..];
        switch (key[..bar])
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

    private static string Tag(string expression, CountKind kind, string range) =>
        $"label_replace({expression}, \"{SeriesLabel}\", \"{KindText(kind)}|{range}\", \"\", \"\")";

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
            case LatencyIndicator l:
                var le = leValue ?? FormatBound(l.ThresholdSeconds);
                var bucket = l.Selector.WithMetric(l.Histogram + "_bucket").With(new LabelMatcher("le", MatchOperator.Equal, le));
                var count = l.Selector.WithMetric(l.Histogram + "_count");
                return (CountKind.Good, w => Increase(bucket, w), w => Increase(count, w));
            default:
                throw new ArgumentException($"Unknown indicator {indicator.GetType().Name}.", nameof(indicator));
        }
    }

    // A raw query is the definition author's own PromQL by design; it is wrapped in parentheses so that it stays
    // one operand of the batched expression.
    private static string Substitute(string query, string range) =>
        new StringBuilder("(").Append(query.Replace(RawRatioIndicator.WindowPlaceholder, range, StringComparison.Ordinal)).Append(')').ToString();
}
