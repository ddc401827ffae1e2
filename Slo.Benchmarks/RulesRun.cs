using System.Diagnostics;

namespace Slo.Benchmarks;

/// <summary>A rule style's steady state, and what each group reads per evaluation.</summary>
internal sealed record RulesMeasurement(ApproachResult Result, IReadOnlyDictionary<string, long> SamplesPerEvaluation);

/// <summary>
/// Loads a rule file into Prometheus (restarted over the same TSDB) and lets Prometheus evaluate it every 30 s.
/// Warm-up: until every group has been evaluated once. Over the measured minutes: Prometheus' CPU, the evaluations
/// each group actually ran and missed, and its rule-group durations. Then, with the rules unloaded again, each rule's
/// expression is sent once as an instant query with stats=all at the current instant: the samples one evaluation of it
/// reads, counted for every evaluation the group ran.
/// </summary>
internal static class RulesRun
{
    private static readonly TimeSpan WarmUpTimeout = TimeSpan.FromMinutes(10);

    public static async Task<RulesMeasurement> RunAsync(
        string name, IReadOnlyList<PromRuleGroup> groups, BenchPrometheus prometheus, string work, TimeSpan measured, CancellationToken cancellationToken)
    {
        var file = Path.Combine(work, name.Replace(' ', '-').ToLowerInvariant() + ".yml");
        await File.WriteAllTextAsync(file, RuleFile.Yaml(groups), cancellationToken);
        await prometheus.StartAsync(file);
        var warmUp = await WarmUpAsync(groups.Count, prometheus, cancellationToken);
        Console.WriteLine($"{name}: {groups.Count} groups, {groups.Sum(g => g.Rules.Count)} rules, {warmUp}; measuring {measured.TotalMinutes:0.#} min");

        var (cpu0, before) = (prometheus.CpuTime, await prometheus.SelfMetricsAsync(cancellationToken));
        await Task.Delay(measured, cancellationToken);
        var (cpu1, after) = (prometheus.CpuTime, await prometheus.SelfMetricsAsync(cancellationToken));

        // Unload the rules so counting does not compete with them; their recorded series stay in the TSDB.
        await prometheus.StartAsync(null);
        var samples = await SamplesPerEvaluationAsync(groups, prometheus, cancellationToken);

        var minutes = measured.TotalMinutes;
        Dictionary<string, double> Deltas(string metric)
        {
            var (end, start) = (after.ByLabel(metric, "rule_group"), before.ByLabel(metric, "rule_group"));
            return groups.ToDictionary(g => g.Name, g => end.GetValueOrDefault($"{file};{g.Name}") - start.GetValueOrDefault($"{file};{g.Name}"));
        }

        var scheduled = Deltas("prometheus_rule_group_iterations_total");
        var missed = Deltas("prometheus_rule_group_iterations_missed_total");
        var ran = groups.ToDictionary(g => g.Name, g => scheduled[g.Name] - missed[g.Name]);
        var rounds = ran.Values.Sum() / groups.Count;
        var duration = after.Sum("prometheus_rule_group_duration_seconds_sum") - before.Sum("prometheus_rule_group_duration_seconds_sum");
        var result = new ApproachResult(
            name,
            groups.Sum(g => samples[g.Name] * ran[g.Name]) / minutes,
            groups.Sum(g => g.Rules.Count * ran[g.Name]) / minutes,
            (cpu1 - cpu0).TotalSeconds / minutes,
            rounds > 0 ? $"{duration / rounds:F1} (Σ groups, {rounds / minutes:F2} rounds/min)" : "no round completed",
            $"{missed.Values.Sum():0} missed iterations",
            "N/A",
            "N/A");
        return new RulesMeasurement(result, samples);
    }

    /// <summary>Waits until every group has been evaluated once (at most <see cref="WarmUpTimeout"/>); says how it went.</summary>
    private static async Task<string> WarmUpAsync(int groups, BenchPrometheus prometheus, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var evaluated = (await prometheus.SelfMetricsAsync(cancellationToken))
                .ByLabel("prometheus_rule_group_last_evaluation_timestamp_seconds", "rule_group").Count(kv => kv.Value > 0);
            if (evaluated >= groups)
                return $"all evaluated once after {clock.Elapsed.TotalSeconds:F0} s";
            if (clock.Elapsed > WarmUpTimeout)
                return $"only {evaluated} evaluated after {WarmUpTimeout.TotalMinutes:0} min, measuring anyway";
            await Task.Delay(1000, cancellationToken);
        }
    }

    /// <summary>Every rule's expression as an instant query with stats=all, two at a time; the sum per group.</summary>
    private static async Task<IReadOnlyDictionary<string, long>> SamplesPerEvaluationAsync(
        IReadOnlyList<PromRuleGroup> groups, BenchPrometheus prometheus, CancellationToken cancellationToken)
    {
        var at = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var totals = groups.ToDictionary(g => g.Name, _ => 0L);
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (group, token) =>
        {
            long sum = 0;
            foreach (var rule in group.Rules)
                sum += await prometheus.QueryableSamplesAsync(rule.Expr, at, token);
            lock (totals)
                totals[group.Name] = sum;
        });
        return totals;
    }
}
