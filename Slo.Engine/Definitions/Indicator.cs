using Slo.Engine.Time;

namespace Slo.Engine.Definitions;

/// <summary>What counts as a good and a bad event. Most indicators are a pair of counters (events in total, and either
/// the good or the bad ones); a <see cref="ThresholdIndicator"/> samples a value once per time slice, each slice an event.</summary>
public abstract record Indicator
{
    private protected Indicator()
    {
    }

    /// <summary>The signal an indicator of this kind carries unless the definition names another.</summary>
    public abstract Signal DefaultSignal { get; }
}

/// <summary>Counters given as series selectors; exactly one of <see cref="Good"/> and <see cref="Bad"/> is set.</summary>
public sealed record RatioIndicator : Indicator
{
    public RatioIndicator(SeriesSelector? good, SeriesSelector? bad, SeriesSelector total)
    {
        if ((good is null) == (bad is null))
            throw new ArgumentException("Exactly one of good and bad must be given.", nameof(good));
        Good = good;
        Bad = bad;
        Total = total ?? throw new ArgumentNullException(nameof(total));
    }

    public SeriesSelector? Good { get; }
    public SeriesSelector? Bad { get; }
    public SeriesSelector Total { get; }

    public override Signal DefaultSignal => Signal.Reliability;
}

/// <summary>Counters given as raw PromQL, each holding the placeholder <see cref="WindowPlaceholder"/> and returning
/// one sample: the count of events in that window. Exactly one of the good and bad queries is set.</summary>
public sealed record RawRatioIndicator : Indicator
{
    public const string WindowPlaceholder = "{{window}}";

    public RawRatioIndicator(string? goodQuery, string? badQuery, string totalQuery)
    {
        if ((goodQuery is null) == (badQuery is null))
            throw new ArgumentException("Exactly one of goodQuery and badQuery must be given.", nameof(goodQuery));
        foreach (var q in new[] { goodQuery, badQuery, totalQuery })
        {
            if (q is not null && !q.Contains(WindowPlaceholder, StringComparison.Ordinal))
                throw new ArgumentException($"Query '{q}' lacks {WindowPlaceholder}.", nameof(totalQuery));
        }

        GoodQuery = goodQuery;
        BadQuery = badQuery;
        TotalQuery = totalQuery;
    }

    public string? GoodQuery { get; }
    public string? BadQuery { get; }
    public string TotalQuery { get; }

    public override Signal DefaultSignal => Signal.Reliability;
}

/// <summary>A classic Prometheus histogram: good events are those in the bucket <c>le="threshold"</c>, total is <c>_count</c>.</summary>
public sealed record LatencyIndicator : Indicator
{
    public LatencyIndicator(string histogram, SeriesSelector selector, Duration threshold)
    {
        if (!SeriesSelector.IsMetricName(histogram))
            throw new ArgumentException($"'{histogram}' is not a metric name.", nameof(histogram));
        if (threshold <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A latency threshold must be positive.");
        Histogram = histogram;
        Selector = selector ?? throw new ArgumentNullException(nameof(selector));
        Threshold = threshold;
    }

    /// <summary>The histogram's base name, without <c>_bucket</c>/<c>_count</c>.</summary>
    public string Histogram { get; }

    /// <summary>The label matchers that pick the histogram's series (its metric name, if any, is ignored).</summary>
    public SeriesSelector Selector { get; }

    public Duration Threshold { get; }

    /// <summary>The threshold in seconds: the value of the <c>le</c> bound it must equal.</summary>
    public double ThresholdSeconds => Threshold.TotalSeconds;

    public override Signal DefaultSignal => Signal.Performance;

    public override string ToString() => $"{Histogram}{Selector} <= {DurationText.Format(Threshold)}";
}

/// <summary>How a threshold indicator compares the query's value with its bound (OpenSLO's <c>op</c>).</summary>
public enum ThresholdOperator
{
    /// <summary><c>lt</c>: good below the bound.</summary>
    Less,

    /// <summary><c>lte</c>: good at or below the bound.</summary>
    LessOrEqual,

    /// <summary><c>gt</c>: good above the bound.</summary>
    Greater,

    /// <summary><c>gte</c>: good at or above the bound.</summary>
    GreaterOrEqual,
}

/// <summary>Text forms of <see cref="ThresholdOperator"/>: the OpenSLO words and the PromQL comparisons.</summary>
public static class ThresholdOperators
{
    public static string ToWord(this ThresholdOperator op) => op switch
    {
        ThresholdOperator.Less => "lt",
        ThresholdOperator.LessOrEqual => "lte",
        ThresholdOperator.Greater => "gt",
        ThresholdOperator.GreaterOrEqual => "gte",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    public static string ToPromQl(this ThresholdOperator op) => op switch
    {
        ThresholdOperator.Less => "<",
        ThresholdOperator.LessOrEqual => "<=",
        ThresholdOperator.Greater => ">",
        ThresholdOperator.GreaterOrEqual => ">=",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    public static bool TryParse(string? word, out ThresholdOperator op)
    {
        foreach (var candidate in Enum.GetValues<ThresholdOperator>())
        {
            if (candidate.ToWord() == word)
            {
                op = candidate;
                return true;
            }
        }

        op = default;
        return false;
    }
}

/// <summary>
/// A sampled indicator (OpenSLO's <c>thresholdMetric</c>): the author's PromQL <see cref="Query"/> is evaluated at the
/// end of every time slice of <see cref="Slice"/> (slice ends are multiples of it since the Unix epoch), and the slice
/// is good when every value it returns satisfies <c>op value</c>. A slice where the query returns nothing (or only NaN)
/// counts neither way. Its events are slices: total = slices with a value, good = good slices. It is read only with
/// time-slice budgeting of the same slice length (see <see cref="Objective"/>).
/// </summary>
public sealed record ThresholdIndicator : Indicator
{
    public ThresholdIndicator(string query, ThresholdOperator op, double value, Duration slice)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        if (!Enum.IsDefined(op))
            throw new ArgumentOutOfRangeException(nameof(op), op, null);
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, "A threshold must be a finite number.");
        if (slice < Duration.FromSeconds(1) || slice.BclCompatibleTicks % TimeSpan.TicksPerSecond != 0)
            throw new ArgumentOutOfRangeException(nameof(slice), slice, "A slice is a whole number of seconds, at least 1s.");
        Query = query;
        Op = op;
        Value = value;
        Slice = slice;
    }

    /// <summary>The author's PromQL, as written: one value per slice end (several values must all satisfy the bound).</summary>
    public string Query { get; }

    public ThresholdOperator Op { get; }

    /// <summary>The bound, in the query's own unit (seconds for a latency quantile).</summary>
    public double Value { get; }

    /// <summary>How often the query is sampled: the time-slice length.</summary>
    public Duration Slice { get; }

    /// <summary>A quantile of a histogram is a latency: performance. Any other sampled value is reliability unless the
    /// definition names a signal.</summary>
    public override Signal DefaultSignal =>
        Query.Contains("histogram_quantile", StringComparison.Ordinal) ? Signal.Performance : Signal.Reliability;

    public override string ToString() =>
        $"threshold(({Query}) {Op.ToPromQl()} {Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} every {DurationText.Format(Slice)})";
}

/// <summary>One objective inside a composite, with its weight.</summary>
public sealed record CompositeComponent(ObjectiveId Objective, double Weight);

/// <summary>
/// A composite objective (a user journey across services): its bad ratio over any stretch is the weighted mean of the
/// components' bad ratios there, sum(weight x bad ratio) / sum(weight), judged against the composite's own target. It
/// has no counters of its own; every figure comes from the components' ledgers.
/// </summary>
public sealed record CompositeIndicator : Indicator
{
    public CompositeIndicator(IReadOnlyList<CompositeComponent> components, Signal signal)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (components.Count == 0)
            throw new ArgumentException("A composite needs at least one component.", nameof(components));
        if (components.Any(c => !(c.Weight > 0) || !double.IsFinite(c.Weight)))
            throw new ArgumentException("Every weight must be a positive number.", nameof(components));
        Components = components;
        Signal = signal;
    }

    public IReadOnlyList<CompositeComponent> Components { get; }

    /// <summary>The signal every component shares.</summary>
    public Signal Signal { get; }

    public override Signal DefaultSignal => Signal;

    public override string ToString() => "composite(" + string.Join(", ", Components.Select(c => $"{c.Objective} x {c.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}")) + ")";

    public bool Equals(CompositeIndicator? other) =>
        other is not null && Signal == other.Signal && Components.SequenceEqual(other.Components);

    public override int GetHashCode() => HashCode.Combine(Signal, Components.Count);
}
