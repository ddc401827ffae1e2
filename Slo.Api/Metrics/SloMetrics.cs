using Counter = global::Prometheus.Counter;
using CounterConfiguration = global::Prometheus.CounterConfiguration;
using Gauge = global::Prometheus.Gauge;
using GaugeConfiguration = global::Prometheus.GaugeConfiguration;
using Histogram = global::Prometheus.Histogram;
using HistogramConfiguration = global::Prometheus.HistogramConfiguration;
using PrometheusMetrics = global::Prometheus.Metrics;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Engine;
using Slo.Engine.Alerting;
using Slo.Engine.Evaluation;

namespace Slo.Api.Metrics;

/// <summary>
/// What <c>/metrics</c> shows: every objective's numbers, and the service's own health. Per-objective metrics carry
/// service, objective and signal plus the definitions' own labels; since prometheus-net fixes a metric's label names
/// when it is created, those are the union of the label names in the definitions (empty where an objective has none).
/// </summary>
public sealed class SloMetrics
{
    private static readonly string[] States = [.. Enum.GetValues<ObjectiveState>().Select(s => s.ToName())];

    private readonly StatusBoard _board;
    private readonly IClock _clock;
    private readonly string[] _extraLabels;
    private readonly Gauge _sli, _target, _remaining, _consumed, _burnRate, _alert, _state, _dataAge, _lastCycle, _cycleQueries, _cycleSamples;
    private readonly Histogram _evaluationDuration;
    private readonly Counter _queryErrors;
    private readonly Counter _deliveries;

    /// <param name="registry">The host's own registry: label names follow the definitions, and tests run several hosts in one process.</param>
    public SloMetrics(
        global::Prometheus.CollectorRegistry registry,
        DefinitionCatalog catalog,
        StatusBoard board,
        IClock clock,
        Ledger.LedgerBook ledgers,
        Prometheus.PrometheusCost cost)
    {
        Registry = registry;
        var factory = PrometheusMetrics.WithCustomRegistry(Registry);
        _evaluationDuration = factory.CreateHistogram(
            "slo_evaluation_duration_seconds", "Time one evaluation cycle of every objective took.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.05, 2, 12) });
        _queryErrors = factory.CreateCounter(
            "slo_prometheus_query_errors_total", "Objective evaluations that failed, by kind (unreachable, timeout, query_error, bad_response, invalid_value, definition_mismatch, ledger_gap, internal).",
            new CounterConfiguration { LabelNames = ["kind"] });
        _deliveries = factory.CreateCounter(
            "slo_alert_deliveries_total", "Alert deliveries by target (alertmanager, webhook0 ...) and outcome (success, failure).",
            new CounterConfiguration { LabelNames = ["target", "outcome"] });
        _lastCycle = factory.CreateGauge("slo_evaluation_last_cycle_timestamp_seconds", "The instant the last evaluation cycle evaluated at (Unix seconds).");
        _cycleQueries = factory.CreateGauge("slo_evaluation_cycle_queries", "Requests the last evaluation cycle sent to Prometheus.");
        _cycleSamples = factory.CreateGauge("slo_evaluation_cycle_samples_read", "Samples Prometheus read for the last evaluation cycle (its totalQueryableSamples).");
        var buckets = factory.CreateGauge("slo_ledger_buckets", "Event-count buckets the ledger holds in memory, every objective together.");
        var requests = factory.CreateCounter("slo_prometheus_requests_total", "Requests sent to Prometheus (evaluation, backfill and bound lookups).");
        var samples = factory.CreateCounter("slo_prometheus_samples_read_total", "Samples Prometheus read to answer the service, from the stats of its answers (totalQueryableSamples).");
        Registry.AddBeforeCollectCallback(() =>
        {
            buckets.Set(ledgers.BucketCount);
            requests.IncTo(cost.Requests);
            samples.IncTo(cost.SamplesRead);
        });

        _board = board;
        _clock = clock;
        _extraLabels = catalog.Current.Objectives.SelectMany(o => o.Labels.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        string[] objectiveLabels = ["service", "objective", "signal", .. _extraLabels];
        Gauge Make(string name, string help, params string[] more) =>
            factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = [.. objectiveLabels, .. more] });

        _sli = Make("slo_sli_ratio", "Share of good events (or good time slices) in the objective's window.");
        _target = Make("slo_target_ratio", "The objective's target as a fraction.");
        _remaining = Make("slo_error_budget_remaining_ratio", "Share of the error budget left; below 0 when overspent.");
        _consumed = Make("slo_error_budget_consumed_ratio", "Share of the error budget used.");
        _burnRate = Make("slo_burn_rate", "Budget burn rate over a look-back window (1 spends the budget exactly over the window).", "window");
        _alert = Make("slo_burn_alert_firing", "1 while a burn-rate tier fires, else 0.", "severity", "long_window", "short_window");
        _state = Make("slo_objective_state", "1 for the objective's current state (ok, no_data, stale, error).", "state");
        _dataAge = Make("slo_data_age_seconds", "Age of the objective's numbers.");

        board.CycleCompleted += (summary, statuses) => Publish(summary, statuses);
        Registry.AddBeforeCollectCallback(UpdateDataAge);
    }

    public global::Prometheus.CollectorRegistry Registry { get; }

    /// <summary>Counts one delivery attempt of alerts to a target.</summary>
    public void RecordDelivery(string target, bool success) => _deliveries.WithLabels(target, success ? "success" : "failure").Inc();

    /// <summary>Counts an evaluation that failed, by kind.</summary>
    public void RecordFailure(string kind) => _queryErrors.WithLabels(kind).Inc();

    private string[] Labels(ObjectiveStatus s, params string[] more)
    {
        var o = s.Objective;
        var values = new string[3 + _extraLabels.Length + more.Length];
        values[0] = o.Service;
        values[1] = o.Name;
        values[2] = o.Signal.ToName();
        for (var i = 0; i < _extraLabels.Length; i++)
            values[3 + i] = o.Labels.GetValueOrDefault(_extraLabels[i]) ?? "";
        more.CopyTo(values, 3 + _extraLabels.Length);
        return values;
    }

    private void Publish(CycleSummary summary, IReadOnlyCollection<ObjectiveStatus> statuses)
    {
        _evaluationDuration.Observe(summary.Took.TotalSeconds);
        _lastCycle.Set(summary.At.ToUnixTimeMilliseconds() / 1000.0);
        _cycleQueries.Set(summary.Queries);
        _cycleSamples.Set(summary.SamplesRead);
        foreach (var s in statuses)
        {
            _target.WithLabels(Labels(s)).Set(s.Objective.Target.Fraction);
            foreach (var state in States)
                _state.WithLabels(Labels(s, state)).Set(state == s.State.ToName() ? 1 : 0);
            if (s.Sli is { } sli && s.Budget is { } budget)
            {
                _sli.WithLabels(Labels(s)).Set(sli);
                _remaining.WithLabels(Labels(s)).Set(budget.Remaining);
                _consumed.WithLabels(Labels(s)).Set(budget.Consumed);
            }
            else
            {
                // No numbers (no data, or never evaluated): publish none rather than a misleading value.
                _sli.RemoveLabelled(Labels(s));
                _remaining.RemoveLabelled(Labels(s));
                _consumed.RemoveLabelled(Labels(s));
            }

            foreach (var (window, rate) in s.BurnRates)
            {
                var labels = Labels(s, BurnWindows.Label(window));
                if (rate is { } r)
                    _burnRate.WithLabels(labels).Set(r);
                else
                    _burnRate.RemoveLabelled(labels);
            }

            foreach (var alert in s.Alerts)
            {
                _alert.WithLabels(Labels(s, alert.Tier.Severity.ToName(), BurnWindows.Label(alert.Tier.LongWindow), BurnWindows.Label(alert.Tier.ShortWindow)))
                    .Set(alert.Firing ? 1 : 0);
            }
        }
    }

    private void UpdateDataAge()
    {
        var now = _clock.GetCurrentInstant();
        foreach (var s in _board.All)
        {
            if (s.State != ObjectiveState.Error)
                _dataAge.WithLabels(Labels(s)).Set((now - s.EvaluatedAt).TotalSeconds);
        }
    }
}
