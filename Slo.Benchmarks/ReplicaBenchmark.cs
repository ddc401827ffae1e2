using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Slo.Tests.Integration;

namespace Slo.Benchmarks;

/// <summary>
/// The same objectives evaluated by one, then two, then three <c>slo serve</c> replicas sharing one SQLite database, over
/// the ledger benchmark's Prometheus and data. One replica starts cold; each added one joins the running cluster (its
/// shards' ledgers come from SQL, not from Prometheus). For each phase, after the shards settle, every replica's share
/// is measured over the same minutes: objectives it evaluates, Prometheus requests per cycle, cycle time, CPU and memory;
/// and the total the proxy in front of Prometheus counted.
/// </summary>
internal static class ReplicaBenchmark
{
    private const int Shards = 60;

    private sealed record Replica(Process Process, Uri Url, HttpClient Http);

    private sealed record Share(string Replica, double Objectives, double RequestsPerCycle, double CycleSeconds, double Cycles, double CpuPerMinute, long RssKib, long HwmKib);

    public static Task<int> RunAsync(LedgerOptions options) =>
        LedgerBenchmark.InWorkDirectoryAsync("slo-replicas-", (work, token) => RunAsync(options, work, token));

    private static async Task<int> RunAsync(LedgerOptions options, string work, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var objectives = LedgerObjective.Create(options.Objectives, LedgerBenchmark.Jobs);
        var measured = TimeSpan.FromMinutes(options.Minutes);
        var prometheusDirectory = Path.Combine(work, "prometheus");
        var (traffic, data) = await LedgerBenchmark.BackfillAsync(options, [], work, Path.Combine(prometheusDirectory, "tsdb"), cancellationToken);
        Console.WriteLine(data);
        await using var exporter = await LedgerBenchmark.StartExporterAsync(traffic);
        await using var prometheus = BenchPrometheus.Create(prometheusDirectory, exporter.Url().Authority);
        await prometheus.StartAsync(null);
        await using var proxy = await SamplesProxy.StartAsync(prometheus.Url);
        var definitions = Path.Combine(work, "definitions");
        Directory.CreateDirectory(definitions);
        await File.WriteAllTextAsync(Path.Combine(definitions, "bench.yaml"), LedgerObjective.Definitions(objectives), cancellationToken);

        var replicas = new List<Replica>();
        var logs = new List<StreamWriter>();
        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"## {options.Objectives:N0} objectives on 1, 2 and 3 replicas, {options.Minutes} measured minutes per phase, {Environment.ProcessorCount} cores\n\n");
        report.Append(data).Append("\n\n");
        report.Append("| replicas | replica | objectives evaluated | Prometheus requests / cycle | cycle time (s) | CPU (s/min) | RSS / peak (MiB) |\n|---|---|---|---|---|---|---|\n");
        var totals = new StringBuilder("| replicas | requests / min (all) | samples read / min (all) | Prometheus CPU (s/min) | objectives evaluated (all) | largest share / smallest |\n|---|---|---|---|---|---|\n");
        try
        {
            for (var count = 1; count <= 3; count++)
            {
                var started = Stopwatch.StartNew();
                var url = new Uri($"http://127.0.0.1:{PrometheusServer.FreePort()}/");
                var log = new StreamWriter(Path.Combine(work, $"slo-{count}.log")) { AutoFlush = true };
                logs.Add(log);
                var process = ServiceRun.Start(url, proxy.Url, definitions, work, log, "--Cluster:Enabled=true", $"--Cluster:Shards={Shards}", $"--Cluster:ReplicaId=replica-{count}");
                var replica = new Replica(process, url, new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) });
                replicas.Add(replica);
                await ServiceRun.WaitReadyAsync(replica.Http, process, proxy, Stopwatch.StartNew(), Path.Combine(work, $"slo-{count}.log"), cancellationToken);
                await SettledAsync(replicas, count, cancellationToken);
                Console.WriteLine($"{count} replica(s): shards settled {started.Elapsed.TotalSeconds:F0} s after the newest started; measuring {measured.TotalMinutes:0.#} min");
                var (shares, traffic1, cpu) = await MeasureAsync(replicas, proxy, prometheus, measured, cancellationToken);
                foreach (var share in shares)
                {
                    report.Append(CultureInfo.InvariantCulture,
                        $"| {count} | {share.Replica} | {share.Objectives:N0} | {share.RequestsPerCycle:N1} | {share.CycleSeconds:F2} ({share.Cycles:0} cycles) | {share.CpuPerMinute:F2} | {share.RssKib / 1024.0:F0} / {share.HwmKib / 1024.0:F0} |\n");
                }

                var minutes = measured.TotalMinutes;
                totals.Append(CultureInfo.InvariantCulture,
                    $"| {count} | {traffic1.Requests / minutes:N0} | {traffic1.Samples / minutes:N0} | {cpu.TotalSeconds / minutes:F2} | {shares.Sum(s => s.Objectives):N0} | " +
                    $"{(shares.Min(s => s.Objectives) > 0 ? shares.Max(s => s.Objectives) / shares.Min(s => s.Objectives) : double.NaN):F3} |\n");
            }
        }
        finally
        {
            foreach (var replica in replicas)
            {
                if (!replica.Process.HasExited)
                    replica.Process.Kill(entireProcessTree: true);
                await replica.Process.WaitForExitAsync(CancellationToken.None);
                replica.Http.Dispose();
            }

            foreach (var log in logs)
                await log.DisposeAsync();
        }

        report.Append('\n').Append(totals).Append('\n');
        report.Append("- One SQLite file shared by every replica (`Cluster:Enabled=true`, 60 shards, 30 s interval, leases of 30 s); the first replica starts cold, each next one joins the running cluster.\n");
        report.Append("- A phase is measured once every replica holds 60/n shards and has completed two more cycles. Requests per cycle: the replica's `slo_prometheus_requests_total` over its `slo_evaluation_duration_seconds_count` in the measured minutes; totals from the proxy in front of Prometheus.\n");
        report.Append("- Memory of the first replica after the others joined still holds what it allocated alone until the runtime returns it.\n");
        Console.WriteLine();
        Console.Write(report);
        Console.WriteLine($"\n(whole run: {clock.Elapsed.TotalMinutes:F1} min)");
        return 0;
    }

    /// <summary>Waits until every replica holds its even share of the shards and has completed two more cycles.</summary>
    private static async Task SettledAsync(IReadOnlyList<Replica> replicas, int count, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var cluster = await replicas[0].Http.GetFromJsonAsync<JsonElement>("api/v1/cluster", cancellationToken);
            var alive = cluster.GetProperty("replicas").EnumerateArray().Where(r => r.GetProperty("alive").GetBoolean()).ToArray();
            if (alive.Length == count && alive.All(r => r.GetProperty("shards").GetArrayLength() == Shards / count))
                break;
            if (deadline.Elapsed > TimeSpan.FromMinutes(30))
                throw new TimeoutException($"the shards did not settle among {count} replicas in 30 minutes");
            await Task.Delay(1000, cancellationToken);
        }

        var cycles = await Task.WhenAll(replicas.Select(async r => (await ServiceRun.MetricsAsync(r.Http, cancellationToken)).Sum("slo_evaluation_duration_seconds_count")));
        while (true)
        {
            var now = await Task.WhenAll(replicas.Select(async r => (await ServiceRun.MetricsAsync(r.Http, cancellationToken)).Sum("slo_evaluation_duration_seconds_count")));
            if (now.Zip(cycles).All(p => p.First >= p.Second + 2))
                return;
            await Task.Delay(1000, cancellationToken);
        }
    }

    private static async Task<(IReadOnlyList<Share> Shares, ProxyCounts Traffic, TimeSpan PrometheusCpu)> MeasureAsync(
        IReadOnlyList<Replica> replicas, SamplesProxy proxy, BenchPrometheus prometheus, TimeSpan measured, CancellationToken cancellationToken)
    {
        var before = await Task.WhenAll(replicas.Select(r => ServiceRun.MetricsAsync(r.Http, cancellationToken)));
        var cpuBefore = replicas.Select(r => { r.Process.Refresh(); return r.Process.TotalProcessorTime; }).ToArray();
        var (counts0, prometheusCpu0) = (proxy.Counts, prometheus.CpuTime);
        await Task.Delay(measured, cancellationToken);
        var (counts1, prometheusCpu1) = (proxy.Counts, prometheus.CpuTime);
        var after = await Task.WhenAll(replicas.Select(r => ServiceRun.MetricsAsync(r.Http, cancellationToken)));
        var shares = new List<Share>();
        for (var i = 0; i < replicas.Count; i++)
        {
            var replica = replicas[i];
            replica.Process.Refresh();
            double Delta(string metric) => after[i].Sum(metric) - before[i].Sum(metric);
            var cycles = Delta("slo_evaluation_duration_seconds_count");
            var (rss, hwm) = ServiceRun.Memory(replica.Process.Id);
            shares.Add(new Share(
                $"replica-{i + 1}",
                after[i].Sum("slo_cluster_objectives_held"),
                cycles > 0 ? Delta("slo_prometheus_requests_total") / cycles : double.NaN,
                cycles > 0 ? Delta("slo_evaluation_duration_seconds_sum") / cycles : double.NaN,
                cycles,
                (replica.Process.TotalProcessorTime - cpuBefore[i]).TotalSeconds / measured.TotalMinutes,
                rss,
                hwm));
        }

        return (shares, counts1 - counts0, prometheusCpu1 - prometheusCpu0);
    }
}
