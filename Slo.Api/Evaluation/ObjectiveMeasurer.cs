using System.Collections.Concurrent;
using System.Globalization;
using Slo.Api.Prometheus;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Queries;

namespace Slo.Api.Evaluation;

/// <summary>A definition that does not fit the data, e.g. a latency threshold that is no bucket bound of the histogram.</summary>
public sealed class DefinitionMismatchException(string message) : Exception(message);

/// <summary>
/// Fetches the event counts of one objective at one instant from Prometheus and evaluates them. The window and all
/// burn-rate windows cost one instant query together; a latency objective adds one label lookup per hour, and a
/// timeslice objective range queries for the slices it has not seen yet. The worker and <c>?at=</c> backtesting
/// both come through here.
/// </summary>
public sealed class ObjectiveMeasurer(PrometheusClient prometheus, ILogger<ObjectiveMeasurer> logger)
{
    private static readonly TimeSpan BoundLookupLifetime = TimeSpan.FromHours(1);
    // Keyed by objective; the lifetime runs on the process clock, so backtesting and backfill across past instants
    // reuse one lookup instead of asking again for every instant.
    private readonly ConcurrentDictionary<ObjectiveId, (string Le, long FoundAtTicks)> _bounds = new();
    private readonly ConcurrentDictionary<ObjectiveId, SliceCache> _slices = new();

    public async Task<ObjectiveStatus> EvaluateAsync(Objective objective, Instant at, CancellationToken cancellationToken)
    {
        var measurement = await MeasureAsync(objective, at, cancellationToken);
        return ObjectiveEvaluator.Evaluate(objective, at, measurement);
    }

    public async Task<Measurement> MeasureAsync(Objective objective, Instant at, CancellationToken cancellationToken)
    {
        var le = objective.Indicator is LatencyIndicator latency ? await BoundAsync(objective, latency, at, cancellationToken) : null;

        var elapsed = Duration.FromSeconds(Math.Floor(objective.Window.ElapsedAt(at).Duration.TotalSeconds));
        var burnWindows = objective.Alerting.RequiredWindows();
        var ranges = elapsed >= Duration.FromSeconds(1) ? burnWindows.Append(elapsed).Distinct().ToArray() : burnWindows;
        var query = EventQueries.Counts(objective, ranges, le);
        var result = await prometheus.QueryAsync(query, at, cancellationToken);
        foreach (var warning in result.Warnings)
            logger.LogWarning("Prometheus warned about {Objective}: {Warning}", objective.Id, warning);

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sample in result.Data)
        {
            var key = sample.Labels.GetValueOrDefault(EventQueries.SeriesLabel) ?? "";
            if (!values.TryAdd(key, Count(sample.Value, key, objective)))
                throw new PrometheusException(PrometheusFailure.InvalidValue, $"{objective.Id}: the query returned more than one series for {key}; a raw query must return a single sample");
        }

        EventCounts CountsOver(Duration range) => Counts(
            objective,
            values.GetValueOrDefault(EventQueries.Key(CountKind.Total, range)),
            values.GetValueOrDefault(EventQueries.Key(NumeratorKind(objective), range)));

        var window = elapsed >= Duration.FromSeconds(1) ? CountsOver(elapsed) : EventCounts.Empty;
        var burn = burnWindows.ToDictionary(w => w, CountsOver);
        IReadOnlyList<EventCounts>? slices = null;
        if (objective.Budgeting is TimeslicesBudgeting timeslices)
            slices = await SlicesAsync(objective, timeslices.SliceLength, at, le, cancellationToken);
        return new Measurement(window, burn, slices);
    }

    /// <summary>Whether the indicator counts bad events (else good ones) beside the total.</summary>
    private static CountKind NumeratorKind(Objective objective) =>
        objective.Indicator is RatioIndicator { Bad: not null } or RawRatioIndicator { BadQuery: not null } ? CountKind.Bad : CountKind.Good;

    private static EventCounts Counts(Objective objective, double total, double numerator) =>
        NumeratorKind(objective) == CountKind.Bad ? EventCounts.FromTotalAndBad(total, numerator) : EventCounts.FromTotalAndGood(total, numerator);

    private static double Count(double value, string key, Objective objective)
    {
        if (!double.IsFinite(value))
            throw new PrometheusException(PrometheusFailure.InvalidValue, $"{objective.Id}: Prometheus returned {value} for {key}; event counts must be finite");
        if (value < 0)
        {
            // increase() never goes below zero; a raw query can.
            throw new PrometheusException(PrometheusFailure.InvalidValue, $"{objective.Id}: Prometheus returned a negative count ({value}) for {key}");
        }

        return value;
    }

    /// <summary>
    /// The exact <c>le</c> text of the bucket that equals the threshold: clients write 0.3, 0.30 or 3e-01, and
    /// Prometheus 3 rewrites 1 as 1.0, so the bound is looked up rather than guessed. Null when the histogram has no
    /// series yet (the counts then come back empty: no data).
    /// </summary>
    private async Task<string?> BoundAsync(Objective objective, LatencyIndicator latency, Instant at, CancellationToken cancellationToken)
    {
        if (_bounds.TryGetValue(objective.Id, out var cached) && System.Diagnostics.Stopwatch.GetElapsedTime(cached.FoundAtTicks) < BoundLookupLifetime)
            return cached.Le;

        var bucket = latency.Selector.WithMetric(latency.Histogram + "_bucket").ToString();
        var lookback = Duration.FromDays(3);
        var values = await prometheus.LabelValuesAsync("le", bucket, at - lookback, at, cancellationToken);
        if (values.Count == 0)
            return null;

        var threshold = latency.ThresholdSeconds;
        string? match = null;
        foreach (var text in values)
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) && Math.Abs(bound - threshold) <= 1e-9 * Math.Max(1, threshold))
                match = text;
        }

        if (match is null)
        {
            var bounds = string.Join(", ", values.OrderBy(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.MaxValue));
            throw new DefinitionMismatchException(
                $"{objective.Id}: the threshold {latency.ThresholdSeconds.ToString(CultureInfo.InvariantCulture)}s is not a bucket bound of {bucket}; its bounds are {bounds}");
        }

        _bounds[objective.Id] = (match, System.Diagnostics.Stopwatch.GetTimestamp());
        return match;
    }

    private async Task<IReadOnlyList<EventCounts>> SlicesAsync(Objective objective, Duration slice, Instant at, string? le, CancellationToken cancellationToken)
    {
        var cache = _slices.GetOrAdd(objective.Id, _ => new SliceCache());
        var window = objective.Window.ElapsedAt(at);
        var sliceMs = (long)slice.TotalMilliseconds;
        // Slices sit on multiples of their length since the epoch, so the same slice has the same key in every cycle.
        var firstEnd = (window.Start.ToUnixTimeMilliseconds() + sliceMs - 1) / sliceMs * sliceMs + sliceMs;
        var lastEnd = at.ToUnixTimeMilliseconds() / sliceMs * sliceMs;
        if (lastEnd < firstEnd)
            return [];

        // Slices ending this close to the evaluation instant may still receive late samples: fetch them again next time.
        var settledBefore = at.ToUnixTimeMilliseconds() - Math.Max(2 * sliceMs, 300_000);
        var missingFrom = cache.FirstMissing(firstEnd, lastEnd, sliceMs);
        if (missingFrom is { } from)
        {
            var query = EventQueries.SliceCounts(objective, slice, le);
            var maxSteps = PrometheusClient.MaxPointsPerSeries - 1;
            for (var chunkStart = from; chunkStart <= lastEnd; chunkStart += maxSteps * sliceMs)
            {
                var chunkEnd = Math.Min(lastEnd, chunkStart + (maxSteps - 1) * sliceMs);
                var result = await prometheus.QueryRangeAsync(query, Instant.FromUnixTimeMilliseconds(chunkStart), Instant.FromUnixTimeMilliseconds(chunkEnd), slice, cancellationToken);
                var totals = new Dictionary<long, double>();
                var numerators = new Dictionary<long, double>();
                foreach (var series in result.Data)
                {
                    var key = series.Labels.GetValueOrDefault(EventQueries.SeriesLabel) ?? "";
                    var target = key.StartsWith("total|", StringComparison.Ordinal) ? totals : numerators;
                    foreach (var (t, v) in series.Points)
                        target[t.ToUnixTimeMilliseconds()] = Count(v, key, objective);
                }

                for (var end = chunkStart; end <= chunkEnd; end += sliceMs)
                {
                    var total = totals.GetValueOrDefault(end);
                    var numerator = numerators.GetValueOrDefault(end);
                    cache.Set(end, Counts(objective, total, numerator), settled: end < settledBefore);
                }
            }
        }

        cache.EvictBefore(firstEnd - (lastEnd - firstEnd));
        return cache.Range(firstEnd, lastEnd, sliceMs);
    }

    /// <summary>Slice counts by slice end (unix ms); settled ones are never fetched again.</summary>
    private sealed class SliceCache
    {
        private readonly Dictionary<long, (EventCounts Counts, bool Settled)> _items = [];
        private readonly Lock _lock = new();

        public long? FirstMissing(long first, long last, long step)
        {
            lock (_lock)
            {
                for (var end = first; end <= last; end += step)
                {
                    if (!_items.TryGetValue(end, out var item) || !item.Settled)
                        return end;
                }

                return null;
            }
        }

        public void Set(long end, EventCounts counts, bool settled)
        {
            lock (_lock)
                _items[end] = (counts, settled);
        }

        public IReadOnlyList<EventCounts> Range(long first, long last, long step)
        {
            lock (_lock)
            {
                var result = new List<EventCounts>((int)((last - first) / step) + 1);
                for (var end = first; end <= last; end += step)
                    result.Add(_items.TryGetValue(end, out var item) ? item.Counts : EventCounts.Empty);
                return result;
            }
        }

        public void EvictBefore(long end)
        {
            lock (_lock)
            {
                foreach (var key in _items.Keys.Where(k => k < end).ToArray())
                    _items.Remove(key);
            }
        }
    }
}
