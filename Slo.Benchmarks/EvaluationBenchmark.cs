using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Slo.Api.Cli;
using Slo.Api.Demo;
using Slo.Api.Evaluation;
using Slo.Api.Prometheus;
using Slo.Tests.Integration;

namespace Slo.Benchmarks;

/// <summary>
/// Evaluates N objectives (default 1,000) against a real Prometheus holding 30 days of generated traffic and reports
/// HTTP requests per cycle, cycle time, CPU and memory. The first cycle also looks up histogram bounds; the next
/// ones show the steady state.
/// </summary>
internal static class EvaluationBenchmark
{
    public static async Task<int> RunAsync(int objectives, int cycles)
    {
        var work = Path.Combine(Path.GetTempPath(), "slo-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var end = Instant.FromUnixTimeMilliseconds(SystemClock.Instance.GetCurrentInstant().ToUnixTimeMilliseconds() / 60_000 * 60_000) - Duration.FromMinutes(5);
            var jobs = Enumerable.Range(0, 20).Select(i => new TrafficProfile($"job{i:D2}", 500 + 50 * i, 0.0005 * (1 + i % 4), 0.004)).ToArray();
            var traffic = new SyntheticTraffic(end - Duration.FromDays(30) - Duration.FromHours(1), end, jobs);
            var sw = Stopwatch.StartNew();
            var files = traffic.WriteOpenMetrics(Path.Combine(work, "om"));
            await Backfill.RunAsync(files, Path.Combine(work, "prometheus", "tsdb"), CancellationToken.None, Tools.Require("promtool"));
            Console.WriteLine($"data: {jobs.Length} jobs x 30 days backfilled in {sw.Elapsed.TotalSeconds:F1} s");

            await using var prometheus = await PrometheusServer.StartAsync(Path.Combine(work, "prometheus"));
            var definitions = Path.Combine(work, "definitions");
            Directory.CreateDirectory(definitions);
            File.WriteAllText(Path.Combine(definitions, "bench.yaml"), Definitions(objectives, jobs.Length));

            var counter = new CountingHandler();
            var app = ServeCommand.Build(
            [
                "--urls=http://127.0.0.1:0",
                $"--Prometheus:Url={prometheus.Url}",
                $"--Definitions:Path={definitions}",
                $"--Storage:ConnectionString=Data Source={Path.Combine(work, "slo.db")}",
                "--Evaluation:Enabled=false",
                "--Logging:LogLevel:Default=Warning",
            ], builder => builder.Services.AddHttpClient<PrometheusClient>().AddHttpMessageHandler(() => counter));
            await app.StartAsync();
            var worker = app.Services.GetRequiredService<EvaluationWorker>();
            var board = app.Services.GetRequiredService<StatusBoard>();

            var rows = new StringBuilder("| cycle | objectives | failed | HTTP requests | requests/objective | wall time (s) | CPU time (s) | managed heap (MB) | working set (MB) |\n|---|---|---|---|---|---|---|---|---|\n");
            var process = Process.GetCurrentProcess();
            for (var cycle = 1; cycle <= cycles; cycle++)
            {
                counter.Reset();
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var summary = await worker.RunCycleAsync(CancellationToken.None);
                process.Refresh();
                var requests = counter.Count;
                rows.Append(CultureInfo.InvariantCulture,
                    $"| {cycle} | {summary.Objectives} | {summary.Failed} | {requests} | {(double)requests / summary.Objectives:F2} | {summary.Took.TotalSeconds:F2} | {(process.TotalProcessorTime - cpu).TotalSeconds:F2} | {GC.GetTotalMemory(false) / 1048576.0:F0} | {process.WorkingSet64 / 1048576.0:F0} |\n");
            }

            Console.WriteLine();
            Console.WriteLine($"{objectives} objectives, Prometheus {prometheus.Url}, {Environment.ProcessorCount} cores, MaxConcurrentQueries 8");
            Console.Write(rows);
            var states = board.All.GroupBy(s => s.State).Select(g => $"{g.Key}: {g.Count()}");
            Console.WriteLine($"states after the last cycle: {string.Join(", ", states)}");
            await app.StopAsync();
            await app.DisposeAsync();
            return board.All.All(s => s.State == Slo.Engine.Evaluation.ObjectiveState.Ok) ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Objectives spread over the jobs and over ratio (bad and good), latency and calendar kinds.</summary>
    private static string Definitions(int count, int jobs)
    {
        var sb = new StringBuilder();
        var perService = 10;
        for (var s = 0; s * perService < count; s++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"---\napiVersion: slo/v1\nkind: ServiceObjectives\nservice: svc{s:D3}\nobjectives:\n");
            for (var o = 0; o < perService && s * perService + o < count; o++)
            {
                var job = $"job{(s * perService + o) % jobs:D2}";
                var indicator = (o % 4) switch
                {
                    0 => $"{{ ratio: {{ bad: 'http_requests_total{{job=\"{job}\",code=~\"5..\"}}', total: 'http_requests_total{{job=\"{job}\"}}' }} }}",
                    1 => $"{{ ratio: {{ good: 'http_requests_total{{job=\"{job}\",code!~\"5..\"}}', total: 'http_requests_total{{job=\"{job}\"}}' }} }}",
                    _ => $"{{ latency: {{ histogram: http_request_duration_seconds, selector: '{{job=\"{job}\"}}', threshold: {(o % 4 == 2 ? "300ms" : "1s")} }} }}",
                };
                var window = o % 5 == 4 ? "{ calendar: month, timeZone: Europe/Berlin }" : "30d";
                sb.Append(CultureInfo.InvariantCulture, $"  - {{ name: o{o}, target: 99, window: {window}, indicator: {indicator} }}\n");
            }
        }

        return sb.ToString();
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _count;

        public int Count => _count;

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
