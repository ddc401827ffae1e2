using System.Diagnostics;
using System.Globalization;
using Slo.Tests.Integration;

namespace Slo.Benchmarks;

/// <summary>One approach's steady state over the measured minutes; text cells are "N/A" where a figure does not apply.</summary>
internal sealed record ApproachResult(
    string Name, double SamplesPerMinute, double QueriesPerMinute, double PrometheusCpuPerMinute,
    string CycleTime, string Missed, string ServiceCpuPerMinute, string ServiceMemory);

/// <summary>The service's start: from process start to its first completed cycle.</summary>
internal sealed record ColdStart(TimeSpan Ready, double? FirstCycleSeconds, ProxyCounts Counts, TimeSpan PrometheusCpu);

/// <summary>
/// Runs the real <c>slo serve</c> (Release build, as HttpBenchmark starts it) against Prometheus through a
/// <see cref="SamplesProxy"/>, with a 30 s evaluation interval. Cold start: until /health/ready answers 200, i.e. the
/// first cycle completed. Steady state: the measured minutes right after. History backfill (evaluations at past
/// instants for a fresh install's charts) is off: it is a one-off, not the evaluation path being compared.
/// </summary>
internal static class ServiceRun
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromHours(3);

    public static async Task<(ColdStart Cold, ApproachResult Steady)> RunAsync(
        BenchPrometheus prometheus, string definitions, string work, TimeSpan measured, CancellationToken cancellationToken)
    {
        await using var proxy = await SamplesProxy.StartAsync(prometheus.Url);
        var url = new Uri($"http://127.0.0.1:{PrometheusServer.FreePort()}/");
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
        var logPath = Path.Combine(work, "slo.log");
        await using var log = new StreamWriter(logPath) { AutoFlush = true };
        var cpuAtStart = prometheus.CpuTime;
        var clock = Stopwatch.StartNew();
        using var slo = Start(url, proxy.Url, definitions, work, log);
        try
        {
            await WaitReadyAsync(http, slo, proxy, clock, logPath, cancellationToken);
            var (ready, coldCounts, coldCpu) = (clock.Elapsed, proxy.Counts, prometheus.CpuTime - cpuAtStart);
            var first = await FirstCycleAsync(http, cancellationToken);
            var firstCycle = first.Sum("slo_evaluation_duration_seconds_count") == 1 ? first.Sum("slo_evaluation_duration_seconds_sum") : (double?)null;
            Console.WriteLine($"service ready after {ready.TotalSeconds:F1} s; measuring {measured.TotalMinutes:0.#} min");
            var steady = await SteadyAsync(slo, http, proxy, prometheus, first, measured, cancellationToken);
            return (new ColdStart(ready, firstCycle, coldCounts, coldCpu), steady);
        }
        finally
        {
            if (!slo.HasExited)
                slo.Kill(entireProcessTree: true);
            await slo.WaitForExitAsync(CancellationToken.None);
        }
    }

    internal static Process Start(Uri url, Uri prometheus, string definitions, string work, StreamWriter log, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "slo.dll"), "serve", $"--urls={url.ToString().TrimEnd('/')}", $"--Prometheus:Url={prometheus}",
                     $"--Definitions:Path={definitions}", $"--Storage:ConnectionString=Data Source={Path.Combine(work, "slo.db")}",
                     "--Evaluation:Interval=30s", "--History:Backfill=false", "--Logging:LogLevel:Default=Warning",
                 }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        var slo = Process.Start(info)!;
        slo.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        slo.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        slo.BeginOutputReadLine();
        slo.BeginErrorReadLine();
        return slo;
    }

    /// <summary>The measured minutes, from <paramref name="before"/> (the service's /metrics at their start) on.</summary>
    private static async Task<ApproachResult> SteadyAsync(
        Process slo, HttpClient http, SamplesProxy proxy, BenchPrometheus prometheus, MetricsText before, TimeSpan measured, CancellationToken cancellationToken)
    {
        slo.Refresh();
        var (counts0, cpu0, serviceCpu0) = (proxy.Counts, prometheus.CpuTime, slo.TotalProcessorTime);
        await Task.Delay(measured, cancellationToken);
        slo.Refresh();
        var (counts1, cpu1, serviceCpu1) = (proxy.Counts, prometheus.CpuTime, slo.TotalProcessorTime);
        var after = await MetricsAsync(http, cancellationToken);

        var minutes = measured.TotalMinutes;
        var traffic = counts1 - counts0;
        double Delta(string metric) => after.Sum(metric) - before.Sum(metric);
        var cycles = Delta("slo_evaluation_duration_seconds_count");
        var (rss, hwm) = Memory(slo.Id);
        Console.WriteLine(
            $"service steady state per minute: {traffic.Queries / minutes:F0} instant queries, {traffic.RangeQueries / minutes:F0} range queries, {traffic.Other / minutes:F0} other requests");
        return new ApproachResult(
            "service (`slo serve`)",
            traffic.Samples / minutes,
            traffic.Requests / minutes,
            (cpu1 - cpu0).TotalSeconds / minutes,
            cycles > 0 ? $"{Delta("slo_evaluation_duration_seconds_sum") / cycles:F1} ({cycles:0} cycles)" : "no cycle completed",
            $"{Delta("slo_prometheus_query_errors_total"):0} failed evaluations, {traffic.Failed} failed requests",
            ((serviceCpu1 - serviceCpu0).TotalSeconds / minutes).ToString("F2", CultureInfo.InvariantCulture),
            $"{rss / 1024.0:F0} / {hwm / 1024.0:F0}");
    }

    /// <summary>Polls /health/ready every 100 ms, so the cold start ends within 100 ms of the first cycle; prints progress every minute.</summary>
    internal static async Task WaitReadyAsync(HttpClient http, Process slo, SamplesProxy proxy, Stopwatch clock, string logPath, CancellationToken cancellationToken)
    {
        var progress = TimeSpan.FromMinutes(1);
        while (true)
        {
            if (slo.HasExited)
                throw new InvalidOperationException($"slo exited with {slo.ExitCode}; see {logPath}");
            try
            {
                using var response = await http.GetAsync("health/ready", cancellationToken);
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > ReadyTimeout)
                throw new TimeoutException($"the service did not complete its first cycle in {ReadyTimeout.TotalHours} h; see {logPath}");
            if (clock.Elapsed > progress)
            {
                var counts = proxy.Counts;
                Console.WriteLine($"  first cycle still running after {clock.Elapsed.TotalMinutes:F0} min: {counts.Requests:N0} requests, {counts.Samples:N0} samples so far");
                progress += TimeSpan.FromMinutes(1);
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The service's /metrics once the first cycle's duration is in it (readiness and the histogram are updated one after the other).</summary>
    private static async Task<MetricsText> FirstCycleAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var metrics = await MetricsAsync(http, cancellationToken);
            if (metrics.Sum("slo_evaluation_duration_seconds_count") >= 1 || DateTime.UtcNow > deadline)
                return metrics;
            await Task.Delay(100, cancellationToken);
        }
    }

    internal static async Task<MetricsText> MetricsAsync(HttpClient http, CancellationToken cancellationToken) =>
        MetricsText.Parse(await http.GetStringAsync("metrics", cancellationToken));

    /// <summary>VmRSS and VmHWM (peak resident set) of a process, in KiB.</summary>
    internal static (long Rss, long Hwm) Memory(int pid)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/status");
        long Field(string name) => long.Parse(
            lines.First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return (Field("VmRSS"), Field("VmHWM"));
    }
}
