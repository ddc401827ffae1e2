using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Slo.Api.Demo;
using Slo.Api.Evaluation;
using Slo.Api.Prometheus;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Ledger;
using Slo.Engine.Rules;

namespace Slo.Tests.Integration;

/// <summary>
/// The rules <c>slo rules</c> writes, loaded into a real Prometheus over live data, fire for the same objectives and
/// tiers as the service's own evaluation.
/// </summary>
[TestFixture]
public class RulesTests
{
    private const string Definitions = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: live
        labels: { team: core }
        objectives:
          - name: steady
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="live-steady",code=~"5.."}', total: 'http_requests_total{job="live-steady"}' } }
          - name: burning
            target: 99.9
            window: 30d
            indicator: { ratio: { good: 'http_requests_total{job="live-burn",code!~"5.."}', total: 'http_requests_total{job="live-burn"}' } }
            alerting: { minEvents: 100 }
          - name: leaking
            target: 99.9
            window: 30d
            indicator:
              ratio:
                badQuery: 'sum(increase(http_requests_total{job="live-leak",code="500"}[{{window}}]))'
                totalQuery: 'sum(increase(http_requests_total{job="live-leak"}[{{window}}]))'
          - name: latency
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="live-burn"}', threshold: 300ms } }
        """;

    [Test]
    public void Generate_ShippedDefinitions_PassPromtoolCheck()
    {
        var set = DefinitionLoader.LoadDirectory(Slo.Tests.Definitions.ValidateCommandTests.RepositoryDefinitions());
        var file = Path.Combine(IntegrationEnvironment.WorkDirectory, "shipped-rules.yml");
        File.WriteAllText(file, PrometheusRules.Generate(set.Objectives, NodaTime.SystemClock.Instance.GetCurrentInstant()));
        var (exit, output) = Promtool("check", "rules", file);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("SUCCESS"));
    }

    /// <summary>A threshold objective's rules in promtool's rule tests (Prometheus' own engine): one sample per slice,
    /// none for a NaN, and windows that average exactly their slices.</summary>
    [Test]
    public void Generate_Threshold_CountsSlicesInPromtoolRuleTests()
    {
        var set = DefinitionLoader.LoadText("""
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: kafka
            objectives:
              - name: lag
                target: 99
                window: 1d
                indicator: { threshold: { query: 'max(queue_lag)', op: lt, value: 1000, slice: 1m } }
                alerting: { minEvents: 3 }
            """);
        Assert.That(set.Errors, Is.Empty);
        var directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "threshold-rules-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "rules.yml"), PrometheusRules.Generate(set.Objectives, Instant.FromUtc(2026, 11, 1, 0, 0)));
        const string labels = "{service=\"kafka\",objective=\"lag\",signal=\"reliability\"}";
        // Minutes 0..10: good, good, bad, bad, good, NaN (no value), good x5.
        File.WriteAllText(Path.Combine(directory, "test.yml"), $$"""
            rule_files: [rules.yml]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - { series: 'queue_lag{topic="in"}', values: '0 5 2000 3000 10 NaN 10 10 10 10 10' }
                promql_expr_test:
                  - { expr: 'slo:threshold_slice:good', eval_time: 2m, exp_samples: [ { labels: 'slo:threshold_slice:good{{labels}}', value: 0 } ] }
                  - { expr: 'slo:threshold_slice:good', eval_time: 5m, exp_samples: [] }
                  - { expr: 'slo:error_ratio:rate5m', eval_time: 4m, exp_samples: [ { labels: 'slo:error_ratio:rate5m{{labels}}', value: 0.4 } ] }
                  - { expr: 'slo:error_ratio:rate5m', eval_time: 7m, exp_samples: [ { labels: 'slo:error_ratio:rate5m{{labels}}', value: 0.25 } ] }
                  - { expr: 'slo:events:increase1h', eval_time: 10m, exp_samples: [ { labels: 'slo:events:increase1h{{labels}}', value: 10 } ] }
            """);
        var (exit, output) = Promtool("test", "rules", Path.Combine(directory, "test.yml"));
        Assert.That(exit, Is.Zero, output);
    }

    [Test]
    public async Task Rules_InRealPrometheus_FireLikeTheService()
    {
        var directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "rules-" + Guid.NewGuid().ToString("N")[..8]);
        var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var minute = Instant.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 60_000 * 60_000);
        // A fast burn that began 25 minutes ago and goes on (pages 1h/5m and 6h/30m, no ticket yet), a slow leak
        // (ticket 3d/6h only) and a healthy job, live: backfilled up to this minute, scraped from here on.
        var burn = new Interval(minute - Duration.FromMinutes(25), minute + Duration.FromHours(2));
        var traffic = new SyntheticTraffic(minute - Duration.FromDays(3) - Duration.FromHours(2), minute + Duration.FromHours(2),
        [
            new TrafficProfile("live-steady", 1000, 0.0001, 0.002),
            new TrafficProfile("live-burn", 1000, 0.0001, 0.002, Episodes: [new Episode(burn, ErrorRatio: 0.10, SlowRatio: 0.5)]),
            new TrafficProfile("live-leak", 1000, 0.002, 0.002),
        ]);
        var files = traffic.WriteOpenMetrics(Path.Combine(directory, "om"), until: minute);
        await Backfill.RunAsync(files, Path.Combine(directory, "prometheus", "tsdb"), CancellationToken.None, Tools.Require("promtool"));

        var set = DefinitionLoader.LoadText(Definitions);
        Assert.That(set.Errors, Is.Empty);
        var rules = Path.Combine(directory, "rules.yml");
        await File.WriteAllTextAsync(rules, PrometheusRules.Generate(set.Objectives, now));
        Assert.That(Promtool("check", "rules", rules).Exit, Is.Zero);

        var port = PrometheusServer.FreePort();
        var exporterBuilder = WebApplication.CreateSlimBuilder();
        exporterBuilder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var exporter = exporterBuilder.Build();
        exporter.MapGet("/metrics", () => Results.Text(traffic.Exposition(NodaTime.SystemClock.Instance.GetCurrentInstant()), "text/plain; version=0.0.4"));
        await exporter.StartAsync();
        await using var prometheus = await PrometheusServer.StartAsync(Path.Combine(directory, "prometheus"), rules, $"127.0.0.1:{port}");

        using var http = new HttpClient { BaseAddress = prometheus.Url };
        await using var ledgers = await TestLedgers.StartAsync(prometheus.Url, Path.Combine(directory, "ledger"));
        HashSet<string> service = [], fromRules = [];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            service = [];
            var at = NodaTime.SystemClock.Instance.GetCurrentInstant();
            var failures = await ledgers.Book.SyncAsync(set.Objectives, at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
            Assert.That(failures, Is.Empty);
            foreach (var objective in set.Objectives)
            {
                var status = ObjectiveEvaluator.Evaluate(objective, at, ledgers.Book.Measure(objective, at));
                foreach (var alert in status.FiringAlerts)
                    service.Add($"{objective.Name} {alert.Tier.Key}");
            }

            fromRules = await FiringInPrometheus(http);
            if (service.SetEquals(fromRules))
                break;
            await Task.Delay(1000);
        }

        Assert.That(service, Is.EquivalentTo(new[]
        {
            "burning page-1h-5m", "burning page-6h-30m", "latency page-1h-5m", "leaking ticket-3d-6h",
        }), "the scenario itself: fast burns page, the leak tickets, the steady job is quiet");
        Assert.That(fromRules, Is.EquivalentTo(service), "Prometheus, running the generated rules, fires the same alerts");
    }

    private static async Task<HashSet<string>> FiringInPrometheus(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/alerts"));
        return doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("state").GetString() == "firing")
            .Select(a => a.GetProperty("labels"))
            .Select(l => $"{l.GetProperty("objective").GetString()} {l.GetProperty("severity").GetString()}-{l.GetProperty("long_window").GetString()}-{l.GetProperty("short_window").GetString()}")
            .ToHashSet();
    }

    private static (int Exit, string Output) Promtool(params string[] args)
    {
        var info = new ProcessStartInfo(Tools.Require("promtool")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
