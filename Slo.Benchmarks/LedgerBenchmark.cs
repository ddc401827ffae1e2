using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Slo.Benchmarks;

/// <param name="Objectives">How many objectives (default 1,000).</param>
/// <param name="Minutes">Measured minutes per approach (default 5).</param>
/// <param name="ServiceOnly">Skip the rule styles (also when there are more than <see cref="LedgerBenchmark.MaxRuleObjectives"/> objectives).</param>
/// <param name="Days">Days of data (default 30; fewer for a quick check).</param>
internal sealed record LedgerOptions(int Objectives = 1000, int Minutes = 5, bool ServiceOnly = false, int Days = 30)
{
    /// <summary>[OBJECTIVES] [MINUTES] [--service-only] [--days=N]</summary>
    public static LedgerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LedgerOptions();
        var positional = new List<int>();
        foreach (var arg in args)
        {
            if (arg == "--service-only")
                options = options with { ServiceOnly = true };
            else if (arg.StartsWith("--days=", StringComparison.Ordinal))
                options = options with { Days = int.Parse(arg["--days=".Length..], CultureInfo.InvariantCulture) };
            else if (int.TryParse(arg, CultureInfo.InvariantCulture, out var number))
                positional.Add(number);
            else
                throw new ArgumentException($"unknown argument '{arg}'; usage: ledger [OBJECTIVES] [MINUTES] [--service-only] [--days=N]");
        }

        return options with
        {
            Objectives = positional.Count > 0 ? positional[0] : options.Objectives,
            Minutes = positional.Count > 1 ? positional[1] : options.Minutes,
        };
    }
}

/// <summary>
/// Compares, in one run over the same Prometheus and data, three ways of computing the same SLOs: the service itself
/// (<c>slo serve</c>), Sloth-style and Pyrra-style recording rules. The data: 20 jobs × 20 instances, 30 days
/// (1-minute samples, 15-second ones for the last 3 days) backfilled with promtool, continued live by an exporter in
/// this process that Prometheus scrapes every 15 s. Each approach runs alone, one after the other; the table gives
/// the samples Prometheus reads per minute, its CPU per minute, the cycle time, and the service's memory.
/// </summary>
internal static class LedgerBenchmark
{
    public const int MaxRuleObjectives = 2000;
    internal const int Jobs = 20;
    private const int InstancesPerJob = 20, RecentDays = 3;
    private static readonly TimeSpan Baseline = TimeSpan.FromMinutes(1);

    /// <summary>How each figure was obtained, printed under the table.</summary>
    private static readonly string[] MethodNotes =
    [
        "Every approach runs alone against the same Prometheus and TSDB (restarted with its rule file); Prometheus scrapes the live exporter every 15 s throughout, which the idle row shows alone.",
        "Service: samples and queries counted by a loopback proxy that adds stats=all and sums totalQueryableSamples of every answer (label lookups are requests without samples); cycle time from its slo_evaluation_duration_seconds over the measured minutes; evaluation interval 30 s; history backfill off. Cold start ends when /health/ready answers 200 (polled every 100 ms), so a following cycle's first queries may be in it.",
        "Rules: evaluated by Prometheus every 30 s (all groups). Samples = each rule's expression sent once as an instant query with stats=all (after the measured minutes), summed per group and multiplied by the evaluations the group ran (prometheus_rule_group_iterations_total minus missed); queries = rules × evaluations. Cycle time = the summed durations of all groups per round (groups run concurrently, so it is work, not wall time).",
        "Same selectors everywhere (each objective adds bench_variant!=\"vN\" so no two queries are alike); Sloth and Pyrra have no calendar windows, so the service's calendar-month objectives (every fifth) are 30 days there.",
    ];

    public static Task<int> RunAsync(LedgerOptions options) => InWorkDirectoryAsync("slo-ledger-", (work, token) => RunAsync(options, work, token));

    /// <summary>
    /// Runs <paramref name="run"/> in a fresh temporary folder that is removed afterwards. Ctrl-C and SIGTERM cancel
    /// the run, so Prometheus and the services are stopped and the data removed; the exit code is then 130.
    /// </summary>
    internal static async Task<int> InWorkDirectoryAsync(string prefix, Func<string, CancellationToken, Task<int>> run)
    {
        using var cancel = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        var work = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            return await run(work, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<int> RunAsync(LedgerOptions options, string work, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var withRules = !options.ServiceOnly && options.Objectives <= MaxRuleObjectives;
        var objectives = LedgerObjective.Create(options.Objectives, Jobs);
        var measured = TimeSpan.FromMinutes(options.Minutes);
        var prometheusDirectory = Path.Combine(work, "prometheus");
        var (traffic, data) = await BackfillAsync(options, withRules ? objectives : [], work, Path.Combine(prometheusDirectory, "tsdb"), cancellationToken);
        Console.WriteLine(data);

        await using var exporter = await StartExporterAsync(traffic);
        await using var prometheus = BenchPrometheus.Create(prometheusDirectory, exporter.Url().Authority);
        await prometheus.StartAsync(null);
        var definitions = Path.Combine(work, "definitions");
        Directory.CreateDirectory(definitions);
        await File.WriteAllTextAsync(Path.Combine(definitions, "bench.yaml"), LedgerObjective.Definitions(objectives), cancellationToken);

        var rows = new List<ApproachResult> { await IdleAsync(prometheus, cancellationToken) };
        var (cold, service) = await ServiceRun.RunAsync(prometheus, definitions, work, measured, cancellationToken);
        rows.Add(service);
        var notes = new List<string>();
        if (withRules)
        {
            var sloth = await RulesRun.RunAsync("Sloth-style rules", SlothRules.Groups(objectives).ToArray(), prometheus, work, measured, cancellationToken);
            var pyrra = await RulesRun.RunAsync("Pyrra-style rules", PyrraRules.Groups(objectives).ToArray(), prometheus, work, measured, cancellationToken);
            rows.Add(sloth.Result);
            rows.Add(pyrra.Result);
            notes.Add(PyrraAtItsIntervals(pyrra.SamplesPerEvaluation));
        }
        else
        {
            notes.Add(options.ServiceOnly
                ? "Rule styles skipped (--service-only)."
                : $"Rule styles skipped: they run only up to {MaxRuleObjectives:N0} objectives.");
        }

        Console.WriteLine();
        Console.Write(Report(options, data, rows, cold, notes));
        Console.WriteLine($"\n(whole run: {clock.Elapsed.TotalMinutes:F1} min)");
        return 0;
    }

    /// <summary>
    /// Backfills the traffic and, when <paramref name="sloth"/> has objectives, the history of their Sloth 5m
    /// recordings: Sloth's 30-day figure averages that recording over 30 days, and without its history it would read
    /// almost nothing. Returns the traffic (for the live exporter) and a line describing the data.
    /// </summary>
    internal static async Task<(RealisticTraffic Traffic, string Summary)> BackfillAsync(
        LedgerOptions options, IReadOnlyList<LedgerObjective> sloth, string work, string tsdb, CancellationToken cancellationToken)
    {
        var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var end = Instant.FromUnixTimeSeconds(now.ToUnixTimeSeconds() / 60 * 60);
        var start = end - Duration.FromDays(options.Days);
        var recentDays = Math.Min(RecentDays, options.Days);
        var traffic = new RealisticTraffic(Jobs, InstancesPerJob, start - Duration.FromHours(1), options.Days);
        var history = sloth.Select(o => new RecordedRatio(SlothRules.FiveMinuteSeries(o), o.JobIndex, o.Kind)).ToArray();
        var volume = await TsdbBackfill.RunAsync(
            traffic, history, start, end, end - Duration.FromDays(recentDays), Path.Combine(work, "openmetrics"), tsdb, cancellationToken);
        var bytes = new DirectoryInfo(tsdb).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        var summary = $"data: {Jobs} jobs × {InstancesPerJob} instances, {options.Days} days (1-minute samples, 15-second ones for the last {recentDays} days), " +
                      $"{volume.Series:N0} series{(history.Length > 0 ? $" (incl. {history.Length:N0} Sloth 5m recordings, every 30 s)" : "")}, " +
                      $"{volume.Samples:N0} samples, {volume.Blocks} blocks, {bytes / 1048576.0:N0} MiB; generated and backfilled in {volume.Took.TotalSeconds:F0} s";
        return (traffic, summary);
    }

    /// <summary>Prometheus' CPU with nothing but the live scrapes: the floor under every approach.</summary>
    private static async Task<ApproachResult> IdleAsync(BenchPrometheus prometheus, CancellationToken cancellationToken)
    {
        Console.WriteLine($"idle baseline (scrapes only): measuring {Baseline.TotalMinutes:0} min");
        var cpu = prometheus.CpuTime;
        await Task.Delay(Baseline, cancellationToken);
        return new ApproachResult("idle (scrapes only)", 0, 0, (prometheus.CpuTime - cpu).TotalSeconds / Baseline.TotalMinutes, "N/A", "N/A", "N/A", "N/A");
    }

    /// <summary>A live exporter of the traffic on a free loopback port, as the integration tests run one.</summary>
    internal static async Task<WebApplication> StartExporterAsync(RealisticTraffic traffic)
    {
        var exporter = LoopbackApp.Create();
        exporter.MapGet("/metrics", () => Results.Text(traffic.Exposition(NodaTime.SystemClock.Instance.GetCurrentInstant()), "text/plain; version=0.0.4"));
        await exporter.StartAsync();
        return exporter;
    }

    /// <summary>
    /// Pyrra evaluates its increase groups less often than every 30 s for a 30-day window: what its rules would read
    /// per minute at its own intervals, if no evaluation were missed.
    /// </summary>
    private static string PyrraAtItsIntervals(IReadOnlyDictionary<string, long> samples)
    {
        double PerMinute(bool increase, TimeSpan interval) =>
            samples.Where(kv => kv.Key.EndsWith(PyrraRules.IncreaseGroupSuffix, StringComparison.Ordinal) == increase).Sum(kv => kv.Value * (60 / interval.TotalSeconds));
        var (increases, burnRates) = (PerMinute(true, PyrraRules.IncreaseInterval), PerMinute(false, BenchPrometheus.EvaluationInterval));
        return $"At Pyrra's own intervals (increase groups every {RuleFile.Duration(PyrraRules.IncreaseInterval)}, burn rates every 30 s) its rules would read " +
               $"{increases + burnRates:N0} samples/min, of which 30-day increases {increases:N0}; every 30 s without misses: {PerMinute(true, BenchPrometheus.EvaluationInterval) + burnRates:N0}.";
    }

    private static string Report(LedgerOptions options, string dataLine, IReadOnlyList<ApproachResult> rows, ColdStart cold, IReadOnlyList<string> notes)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"## {options.Objectives:N0} objectives, {options.Minutes} measured minutes per approach, {Environment.ProcessorCount} cores\n\n");
        sb.Append(dataLine).Append("\n\n");
        sb.Append("| approach | samples read / min | queries / min | Prometheus CPU (s/min) | cycle time (s) | missed / failed | service CPU (s/min) | service RSS / peak (MiB) |\n");
        sb.Append("|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.SamplesPerMinute:N0} | {r.QueriesPerMinute:N0} | {r.PrometheusCpuPerMinute:F2} | {r.CycleTime} | {r.Missed} | {r.ServiceCpuPerMinute} | {r.ServiceMemory} |\n");
        }

        sb.Append("\n| service cold start | ready after (s) | first cycle (s) | requests (instant / range / other) | samples read | Prometheus CPU (s) |\n|---|---|---|---|---|---|\n");
        var c = cold.Counts;
        sb.Append(CultureInfo.InvariantCulture,
            $"| `slo serve`, fresh SQLite | {cold.Ready.TotalSeconds:F1} | {(cold.FirstCycleSeconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "?")} | " +
            $"{c.Requests:N0} ({c.Queries:N0} / {c.RangeQueries:N0} / {c.Other:N0}) | {c.Samples:N0} | {cold.PrometheusCpu.TotalSeconds:F1} |\n\n");

        foreach (var note in notes.Concat(MethodNotes))
            sb.Append("- ").Append(note).Append('\n');
        return sb.ToString();
    }
}
