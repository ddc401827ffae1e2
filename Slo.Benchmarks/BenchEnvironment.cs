using System.Diagnostics;
using System.Globalization;
using System.Text;
using Slo.Api.Demo;
using Slo.Tests.Integration;

namespace Slo.Benchmarks;

/// <summary>30 days of generated traffic for 20 jobs in a real Prometheus, and N objectives over them.</summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private BenchEnvironment(string directory, PrometheusServer prometheus, string definitionsPath)
    {
        Directory = directory;
        Prometheus = prometheus;
        DefinitionsPath = definitionsPath;
    }

    public string Directory { get; }
    public PrometheusServer Prometheus { get; }
    public string DefinitionsPath { get; }

    public static async Task<BenchEnvironment> StartAsync(int objectives)
    {
        var work = Path.Combine(Path.GetTempPath(), "slo-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(work);
        var end = Instant.FromUnixTimeMilliseconds(SystemClock.Instance.GetCurrentInstant().ToUnixTimeMilliseconds() / 60_000 * 60_000) - Duration.FromMinutes(5);
        var jobs = Enumerable.Range(0, 20).Select(i => new TrafficProfile($"job{i:D2}", 500 + 50 * i, 0.0005 * (1 + i % 4), 0.004)).ToArray();
        var traffic = new SyntheticTraffic(end - Duration.FromDays(30) - Duration.FromHours(1), end, jobs);
        var sw = Stopwatch.StartNew();
        var files = traffic.WriteOpenMetrics(Path.Combine(work, "om"));
        await Backfill.RunAsync(files, Path.Combine(work, "prometheus", "tsdb"), CancellationToken.None, Tools.Require("promtool"));
        Console.WriteLine($"data: {jobs.Length} jobs x 30 days backfilled in {sw.Elapsed.TotalSeconds:F1} s");
        var prometheus = await PrometheusServer.StartAsync(Path.Combine(work, "prometheus"));
        var definitions = Path.Combine(work, "definitions");
        System.IO.Directory.CreateDirectory(definitions);
        File.WriteAllText(Path.Combine(definitions, "bench.yaml"), Definitions(objectives, jobs.Length));
        return new BenchEnvironment(work, prometheus, definitions);
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

    public async ValueTask DisposeAsync()
    {
        await Prometheus.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
