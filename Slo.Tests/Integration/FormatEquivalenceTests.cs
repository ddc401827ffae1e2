using Slo.Api.Cli;
using Slo.Api.Evaluation;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>
/// A Sloth file and a Pyrra file written over the generated jobs, evaluated by the real host against the real Prometheus,
/// give the same figures as the native file <c>slo convert</c> prints for them, on the same data; and those figures are
/// the generated truth (Sloth's <c>rate()</c> read as <c>increase()</c> counts events exactly).
/// </summary>
[TestFixture]
public class FormatEquivalenceTests
{
    /// <summary>Sloth's getting-started shape: an availability SLO on the burst job (which burns its budget fast in
    /// the last 30 minutes) with tickets disabled, and a latency SLO on the slowdown job as Sloth writes one: events
    /// slower than the 0.3 s bucket over all events.</summary>
    private const string Sloth = """
        version: "prometheus/v1"
        service: "burst"
        labels:
          owner: "myteam"
        slos:
          - name: "requests-availability"
            objective: 99.9
            description: "Requests that do not fail with a server error."
            sli:
              events:
                error_query: sum(rate(http_requests_total{job="burst",code=~"5.."}[{{.window}}]))
                total_query: sum(rate(http_requests_total{job="burst"}[{{.window}}]))
            alerting:
              name: BurstHighErrorRate
              page_alert:
                labels: { severity: pageteam }
              ticket_alert:
                disable: true
          - name: "slowdown-latency"
            objective: 99
            sli:
              events:
                error_query: |
                  (
                    sum(rate(http_request_duration_seconds_count{job="slowdown"}[{{.window}}]))
                    -
                    sum(rate(http_request_duration_seconds_bucket{job="slowdown",le="0.3"}[{{.window}}]))
                  )
                total_query: sum(rate(http_request_duration_seconds_count{job="slowdown"}[{{.window}}]))
            alerting:
              page_alert: { disable: true }
              ticket_alert: { disable: true }
        """;

    /// <summary>Pyrra's examples' shapes: a ratio on the flare job and a latency on the slowdown job's histogram (which
    /// reads as the native latency indicator), four weeks each, with Pyrra's burn-rate windows.</summary>
    private const string Pyrra = """
        apiVersion: pyrra.dev/v1alpha1
        kind: ServiceLevelObjective
        metadata:
          name: flare-errors
          namespace: monitoring
          labels: { pyrra.dev/service: flare, pyrra.dev/team: edge }
        spec:
          target: "99.9"
          window: 4w
          indicator:
            ratio:
              errors: { metric: 'http_requests_total{job="flare",code=~"5.."}' }
              total: { metric: 'http_requests_total{job="flare"}' }
        ---
        apiVersion: pyrra.dev/v1alpha1
        kind: ServiceLevelObjective
        metadata:
          name: slowdown-latency
          labels: { pyrra.dev/service: slowdown }
        spec:
          target: "99"
          window: 4w
          indicator:
            latency:
              success: { metric: 'http_request_duration_seconds_bucket{job="slowdown",le="0.3"}' }
              total: { metric: 'http_request_duration_seconds_count{job="slowdown"}' }
        """;

    private string _directory = "";

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "formats-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
    }

    /// <summary>What <c>slo convert</c> prints for <paramref name="text"/>.</summary>
    private string Convert(string name, string text)
    {
        var file = Path.Combine(_directory, name);
        File.WriteAllText(file, text);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(ConvertCommand.Run([file], stdout, stderr), Is.Zero, stderr.ToString());
        return stdout.ToString();
    }

    /// <summary>One evaluation cycle of a fresh host over <paramref name="definitions"/> at the scenario's end.</summary>
    private async Task<Dictionary<string, ObjectiveStatus>> EvaluateAsync(string run, string definitions)
    {
        await using var host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, Path.Combine(_directory, run), SloHost.ClockAt(Scenario.End), definitions: definitions);
        var summary = await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        Assert.That(summary.Failed, Is.Zero, run);
        return host.Get<StatusBoard>().All.ToDictionary(s => s.Id.ToString());
    }

    private static void AssertSameFigures(IReadOnlyDictionary<string, ObjectiveStatus> native, IReadOnlyDictionary<string, ObjectiveStatus> original)
    {
        Assert.That(native.Keys, Is.EquivalentTo(original.Keys));
        Assert.Multiple(() =>
        {
            foreach (var (id, o) in original)
            {
                var n = native[id];
                Assert.That(n.State, Is.EqualTo(o.State), id);
                Assert.That(o.State, Is.EqualTo(ObjectiveState.Ok), id);
                Assert.That(n.Window, Is.EqualTo(o.Window), id);
                Assert.That(n.Events, Is.EqualTo(o.Events), $"{id} events");
                Assert.That(n.Sli, Is.EqualTo(o.Sli), $"{id} SLI");
                Assert.That(n.Budget, Is.EqualTo(o.Budget), $"{id} budget");
                Assert.That(n.BurnRates, Is.EquivalentTo(o.BurnRates), $"{id} burn rates");
                Assert.That(n.Alerts.Select(a => (a.Tier, a.Factor, a.Firing)), Is.EqualTo(o.Alerts.Select(a => (a.Tier, a.Factor, a.Firing))), $"{id} alerts");
            }
        });
    }

    private static void AssertWithinOnePercent(double actual, double expected, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(1).Percent, what);

    [Test]
    public async Task RunCycle_SlothFileAndItsConversion_GiveTheSameFiguresAsTheTruth()
    {
        Assert.That(DefinitionLoader.LoadText(Sloth, "sloth.yaml").Errors, Is.Empty);
        var native = Convert("sloth.yaml", Sloth);
        Assert.That(native, Does.Contain("badQuery: 'sum(increase(http_requests_total{job=\"burst\",code=~\"5..\"}[{{window}}]))'"));

        var fromSloth = await EvaluateAsync("sloth", Sloth);
        var fromNative = await EvaluateAsync("native", native);
        AssertSameFigures(fromNative, fromSloth);

        var month = Duration.FromDays(30);
        var availability = fromSloth["burst/requests-availability"];
        var latency = fromSloth["burst/slowdown-latency"];
        Assert.Multiple(() =>
        {
            AssertWithinOnePercent(availability.Events!.Value.Total, Scenario.Truth("burst", month).Requests, "30d requests");
            AssertWithinOnePercent(availability.Events!.Value.Bad, Scenario.Truth("burst", month).Errors, "30d errors");
            AssertWithinOnePercent(latency.Events!.Value.Bad, Scenario.Truth("slowdown", month).Slow, "30d slow requests");
            Assert.That(availability.FiringAlerts.Select(a => a.Tier.Key), Does.Contain("page-1h-5m"), "the burst pages");
            Assert.That(availability.Alerts.Where(a => a.Tier.Severity == Slo.Engine.Alerting.Severity.Ticket).Select(a => a.Firing), Is.All.False, "ticket_alert: disable");
        });
    }

    [Test]
    public async Task RunCycle_PyrraFileAndItsConversion_GiveTheSameFiguresAsTheTruth()
    {
        Assert.That(DefinitionLoader.LoadText(Pyrra, "pyrra.yaml").Errors, Is.Empty);
        var native = Convert("pyrra.yaml", Pyrra);
        Assert.That(native, Does.Contain("      latency:\n        histogram: http_request_duration_seconds\n        selector: '{job=\"slowdown\"}'\n        threshold: 300ms\n"));

        var fromPyrra = await EvaluateAsync("pyrra", Pyrra);
        var fromNative = await EvaluateAsync("native", native);
        AssertSameFigures(fromNative, fromPyrra);

        var fourWeeks = Duration.FromDays(28);
        var flare = fromPyrra["flare/flare-errors"];
        Assert.Multiple(() =>
        {
            AssertWithinOnePercent(flare.Events!.Value.Total, Scenario.Truth("flare", fourWeeks).Requests, "28d requests");
            AssertWithinOnePercent(flare.Events!.Value.Bad, Scenario.Truth("flare", fourWeeks).Errors, "28d errors");
            AssertWithinOnePercent(fromPyrra["slowdown/slowdown-latency"].Events!.Value.Bad, Scenario.Truth("slowdown", fourWeeks).Slow, "28d slow requests");
            Assert.That(flare.Objective.Labels["team"], Is.EqualTo("edge"));
        });
    }
}
