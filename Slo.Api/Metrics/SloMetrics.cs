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
/// What <c>/metrics</c> shows: every objective's numbers, and the service's own health. The service's own metrics live
/// in a prometheus-net registry; the per-objective ones are written straight from the <see cref="StatusBoard"/> at
/// each scrape, so 10,000 objectives cost no retained series objects (about twenty a objective) and no per-cycle
/// updates. They carry service, objective and signal plus the union of the definitions' own label names (empty where
/// an objective has none), so every series of a metric has the same label names. That union is taken at each scrape
/// from the objectives shown: a reload (or a grouped objective's new group) that brings a new label name adds it to
/// every series from the next scrape on. Prometheus then sees new series (one more label) and the old ones go stale,
/// as after any relabelling; the registry's own metrics carry no definition labels, so prometheus-net's fixed label
/// names are never at stake.
/// </summary>
public sealed class SloMetrics
{
    private static readonly string[] States = [.. Enum.GetValues<ObjectiveState>().Select(s => s.ToName())];

    private readonly StatusBoard _board;
    private readonly IClock _clock;
    private readonly Gauge _lastCycle, _cycleQueries, _cycleSamples;
    private readonly Histogram _evaluationDuration;
    private readonly Counter _queryErrors;
    private readonly Counter _deliveries;

    /// <param name="registry">The host's own registry: tests run several hosts in one process.</param>
    public SloMetrics(
        global::Prometheus.CollectorRegistry registry,
        DefinitionCatalog catalog,
        StatusBoard board,
        IClock clock,
        Ledger.LedgerBook ledgers,
        Prometheus.PrometheusCost cost,
        Storage.SqlDatabase database,
        Cluster.ClusterMembership? cluster = null)
    {
        Registry = registry;
        var factory = PrometheusMetrics.WithCustomRegistry(Registry);
        _evaluationDuration = factory.CreateHistogram(
            "slo_evaluation_duration_seconds", "Time one evaluation cycle of every objective took.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.05, 2, 12) });
        _queryErrors = factory.CreateCounter(
            "slo_prometheus_query_errors_total", "Objective evaluations that failed, by kind (unreachable, timeout, query_error, bad_response, invalid_value, unauthorized, definition_mismatch, ledger_gap, internal).",
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
        var storageErrors = factory.CreateCounter(
            "slo_storage_write_errors_total", "Writes the database refused (history, ledger, alert_states, gate_overrides, gate_decisions): nothing of them was kept.",
            new CounterConfiguration { LabelNames = ["operation"] });
        var storageFailing = factory.CreateGauge("slo_storage_failing", "1 while the last write of some kind failed (readiness fails too), else 0.");
        var reloadSuccess = factory.CreateGauge("slo_definitions_reload_success", "1 when the last attempt to load the definitions was taken, 0 when it was refused (the previous set keeps running).");
        var reloadSuccessAt = factory.CreateGauge("slo_definitions_last_reload_success_timestamp_seconds", "When the definitions were last loaded successfully (Unix seconds).");
        var objectives = factory.CreateGauge("slo_definitions_objectives", "Objectives the running definitions hold (grouped objectives counted per group).");
        var shardsHeld = factory.CreateGauge("slo_cluster_shards_held", "Shards of objectives this replica holds and evaluates (every shard when clustering is off).");
        var objectivesHeld = factory.CreateGauge("slo_cluster_objectives_held", "Objectives in the shards this replica holds.");
        var shardHeld = factory.CreateGauge("slo_cluster_shard_held", "1 for each shard this replica holds.", new GaugeConfiguration { LabelNames = ["shard"] });
        Registry.AddBeforeCollectCallback(() =>
        {
            foreach (var (operation, count) in database.Health.FailureCounts)
                storageErrors.WithLabels(operation).IncTo(count);
            storageFailing.Set(database.Health.Failing.Count > 0 ? 1 : 0);
            reloadSuccess.Set(catalog.LastAttempt.Success ? 1 : 0);
            reloadSuccessAt.Set(catalog.LastSuccessAt.ToUnixTimeMilliseconds() / 1000.0);
            objectives.Set(catalog.Current.Objectives.Count);
            buckets.Set(ledgers.BucketCount);
            if (cluster is not null)
            {
                var held = cluster.Owned;
                shardsHeld.Set(held.Count);
                objectivesHeld.Set(catalog.Current.Objectives.Count(o => cluster.Owns(o.Id)));
                for (var shard = 0; shard < cluster.Shards; shard++)
                {
                    if (held.Contains(shard))
                        shardHeld.WithLabels(shard.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(1);
                    else
                        shardHeld.RemoveLabelled(shard.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            requests.IncTo(cost.Requests);
            samples.IncTo(cost.SamplesRead);
        });

        _board = board;
        _clock = clock;
        board.CycleCompleted += (summary, _) => Publish(summary);
    }

    public global::Prometheus.CollectorRegistry Registry { get; }

    /// <summary>Counts one delivery attempt of alerts to a target.</summary>
    public void RecordDelivery(string target, bool success) => _deliveries.WithLabels(target, success ? "success" : "failure").Inc();

    /// <summary>Counts an evaluation that failed, by kind.</summary>
    public void RecordFailure(string kind) => _queryErrors.WithLabels(kind).Inc();

    /// <summary>Writes the whole exposition (text format 0.0.4): the registry's metrics, then every objective's.</summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        await Registry.CollectAndExportAsTextAsync(output, cancellationToken);
        var statuses = _board.All.OrderBy(s => s.Id.ToString(), StringComparer.Ordinal).ToArray();
        var extraLabels = statuses.SelectMany(s => s.Objective.Labels.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        var now = _clock.GetCurrentInstant();
        await using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);

        // Lines gather in a builder that goes out asynchronously every 32 KB (the response allows no synchronous writes).
        var chunk = new System.Text.StringBuilder(1 << 15);

        async Task Family(string name, string help, Action<ObjectiveStatus, Action<double, (string Name, string Value)[]>> samples)
        {
            chunk.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n");
            foreach (var status in statuses)
            {
                samples(status, (value, more) =>
                {
                    chunk.Append(name).Append('{');
                    Labels(chunk, status.Objective, extraLabels, more);
                    chunk.Append("} ").Append(Format(value)).Append('\n');
                });
                if (chunk.Length >= 1 << 15)
                {
                    await writer.WriteAsync(chunk, cancellationToken);
                    chunk.Clear();
                }
            }
        }

        await Family("slo_sli_ratio", "Share of good events (or good time slices) in the objective's window.", (s, add) =>
        {
            // No numbers (no data, or never evaluated): publish none rather than a misleading value.
            if (s is { Sli: { } sli, Budget: not null })
                add(sli, []);
        });
        await Family("slo_target_ratio", "The objective's target as a fraction.", (s, add) => add(s.Objective.Target.Fraction, []));
        await Family("slo_error_budget_remaining_ratio", "Share of the error budget left; below 0 when overspent.", (s, add) =>
        {
            if (s is { Sli: not null, Budget: { } budget })
                add(budget.Remaining, []);
        });
        await Family("slo_error_budget_consumed_ratio", "Share of the error budget used.", (s, add) =>
        {
            if (s is { Sli: not null, Budget: { } budget })
                add(budget.Consumed, []);
        });
        await Family("slo_burn_rate", "Budget burn rate over a look-back window (1 spends the budget exactly over the window).", (s, add) =>
        {
            foreach (var (window, rate) in s.BurnRates)
            {
                if (rate is { } r)
                    add(r, [("window", BurnWindows.Label(window))]);
            }
        });
        await Family("slo_burn_alert_firing", "1 while a burn-rate tier fires, else 0.", (s, add) =>
        {
            foreach (var alert in s.Alerts)
            {
                add(alert.Firing ? 1 : 0, [
                    ("severity", alert.Tier.Severity.ToName()), ("long_window", BurnWindows.Label(alert.Tier.LongWindow)),
                    ("short_window", BurnWindows.Label(alert.Tier.ShortWindow))]);
            }
        });
        await Family("slo_objective_state", "1 for the objective's current state (ok, no_data, stale, error).", (s, add) =>
        {
            var current = s.State.ToName();
            foreach (var state in States)
                add(state == current ? 1 : 0, [("state", state)]);
        });
        await Family("slo_data_age_seconds", "Age of the objective's numbers.", (s, add) =>
        {
            if (s.State != ObjectiveState.Error)
                add((now - s.EvaluatedAt).TotalSeconds, []);
        });
        await writer.WriteAsync(chunk, cancellationToken);
        await writer.FlushAsync(cancellationToken);
    }

    private static void Labels(System.Text.StringBuilder line, Engine.Definitions.Objective o, string[] extraLabels, (string Name, string Value)[] more)
    {
        Label(line, "service", o.Service, first: true);
        Label(line, "objective", o.Name);
        Label(line, "signal", o.Signal.ToName());
        foreach (var name in extraLabels)
            Label(line, name, o.Labels.GetValueOrDefault(name) ?? "");
        foreach (var (name, value) in more)
            Label(line, name, value);
    }

    private static void Label(System.Text.StringBuilder line, string name, string value, bool first = false)
    {
        if (!first)
            line.Append(',');
        line.Append(name).Append("=\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => line.Append("\\\\"),
                '"' => line.Append("\\\""),
                '\n' => line.Append("\\n"),
                _ => line.Append(c),
            };
        }

        line.Append('"');
    }

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private void Publish(CycleSummary summary)
    {
        _evaluationDuration.Observe(summary.Took.TotalSeconds);
        _cycleQueries.Set(summary.Queries);
        _cycleSamples.Set(summary.SamplesRead);
        // Last: a scrape that sees the cycle's instant sees its figures too.
        _lastCycle.Set(summary.At.ToUnixTimeMilliseconds() / 1000.0);
    }
}
