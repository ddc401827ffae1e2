using Slo.Api.Cli;
using Slo.Api.Demo;
using Slo.Api.Evaluation;
using Slo.Engine.Budgets;
using Slo.Engine.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>
/// OpenSLO's thresholdMetric and composite SLOs over the real Prometheus: a threshold's good and bad slices are exactly
/// those the generated truth says, and an OpenSLO composite gives the same figures as the native composite of the same
/// objectives, and as its own <c>slo convert</c> output.
/// </summary>
[TestFixture]
public class OpenSloSlicesAndCompositeTests
{
    /// <summary>
    /// The flare job's error ratio over the 5 minutes before each minute's end (counter differences, so exact on the
    /// minute samples), good at 5% or below; the flare (10% errors for 30 minutes) makes some minutes bad. The idle job has
    /// no series: no slice has a value.
    /// </summary>
    private const string Thresholds = """
        apiVersion: openslo/v1
        kind: SLO
        metadata: { name: error-ratio-slices }
        spec:
          service: flare
          indicator:
            metadata: { name: flare-5m-error-ratio }
            spec:
              thresholdMetric:
                metricSource:
                  type: Prometheus
                  spec:
                    query: |
                      (sum(http_requests_total{job="flare",code="500"}) - sum(http_requests_total{job="flare",code="500"} offset 5m))
                      / (sum(http_requests_total{job="flare"}) - sum(http_requests_total{job="flare"} offset 5m))
          timeWindow: [ { duration: 1d, isRolling: true } ]
          budgetingMethod: Timeslices
          objectives: [ { op: lte, value: 0.05, target: 0.99, timeSliceTarget: 0.9, timeSliceWindow: 1m } ]
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: { name: idle-slices }
        spec:
          service: idle
          indicator:
            metadata: { name: idle-requests }
            spec:
              thresholdMetric: { metricSource: { type: Prometheus, spec: { query: 'sum(http_requests_total{job="idle"})' } } }
          timeWindow: [ { duration: 1d, isRolling: true } ]
          budgetingMethod: Timeslices
          objectives: [ { op: gt, value: 0, target: 0.99, timeSliceTarget: 1, timeSliceWindow: 5m } ]
        """;

    /// <summary>The composite of CompositeTests, natively and as an OpenSLO composite SLO whose objectives carry the
    /// same counters (each becomes an objective of its own).</summary>
    private const string Composites = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: parts
        objectives:
          - name: steady
            target: 99.5
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="steady",code=~"5.."}', total: 'http_requests_total{job="steady"}' } }
          - name: leaky
            target: 99.5
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="leaky",code=~"5.."}', total: 'http_requests_total{job="leaky"}' } }
          - name: checkout
            target: 99.5
            window: 30d
            composite:
              objectives: [ { objective: parts/steady, weight: 1 }, { objective: parts/leaky, weight: 2 } ]
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: { name: checkout }
        spec:
          service: journey
          timeWindow: [ { duration: 30d, isRolling: true } ]
          budgetingMethod: Occurrences
          objectives:
            - displayName: steady
              target: 0.995
              indicator:
                metadata: { name: steady-errors }
                spec:
                  ratioMetric:
                    counter: true
                    bad: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="steady",code=~"5.."}' } } }
                    total: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="steady"}' } } }
            - displayName: leaky
              target: 0.995
              compositeWeight: 2
              indicator:
                metadata: { name: leaky-errors }
                spec:
                  ratioMetric:
                    counter: true
                    bad: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="leaky",code=~"5.."}' } } }
                    total: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="leaky"}' } } }
        """;

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    private static async Task<Dictionary<string, ObjectiveStatus>> EvaluateAsync(string run, string definitions)
    {
        var directory = Path.Combine(IntegrationEnvironment.WorkDirectory, run + "-" + Guid.NewGuid().ToString("N")[..8]);
        await using var host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, directory, SloHost.ClockAt(Scenario.End), definitions: definitions);
        var summary = await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        Assert.That(summary.Failed, Is.Zero, run);
        return host.Get<StatusBoard>().All.ToDictionary(s => s.Id.ToString());
    }

    /// <summary>Good and bad one-minute slices ending in (from, to], from the generated minutes.</summary>
    private static (int Good, int Bad) TrueSlices(Instant from, Instant to)
    {
        int good = 0, bad = 0;
        for (var end = from + Duration.FromMinutes(1); end <= to; end += Duration.FromMinutes(1))
        {
            var truth = Scenario.Traffic.Truth("flare", end - Duration.FromMinutes(5), end);
            if ((double)truth.Errors / truth.Requests <= 0.05)
                good++;
            else
                bad++;
        }

        return (good, bad);
    }

    [Test]
    public async Task ThresholdMetric_SlicesOfAGeneratedRatio_AreTheTrueGoodAndBadMinutes()
    {
        var statuses = await EvaluateAsync("thresholds", Thresholds);
        var flare = statuses["flare/error-ratio-slices"];
        var end = Scenario.End;
        var (good, bad) = TrueSlices(end - Duration.FromDays(1), end);
        var (hourGood, hourBad) = TrueSlices(end - Duration.FromHours(1), end);
        Assert.That(bad, Is.GreaterThan(20), "the flare makes minutes bad");
        Assert.Multiple(() =>
        {
            Assert.That(flare.State, Is.EqualTo(ObjectiveState.Ok), flare.Message);
            Assert.That(flare.Window.End, Is.EqualTo(end));
            Assert.That(flare.Slices, Is.EqualTo(EventCounts.FromTotalAndBad(good + bad, bad)), "slices over the day");
            Assert.That(flare.Events, Is.EqualTo(flare.Slices), "a threshold's events are its slices");
            Assert.That(flare.Sli, Is.EqualTo((double)good / (good + bad)).Within(1e-12));
            Assert.That(flare.Budget!.Consumed, Is.EqualTo(bad / (0.01 * (good + bad))).Within(1e-9));
            Assert.That(flare.BurnRates[Duration.FromHours(1)], Is.EqualTo((double)hourBad / (hourGood + hourBad) / 0.01).Within(1e-9), "1h burn rate");
            Assert.That(flare.FiringAlerts.Select(a => a.Tier.Key), Does.Contain("page-6h-30m"), "the flare ended 10 minutes ago: the 5m window is quiet, the 30m one burns");

            var idle = statuses["idle/idle-slices"];
            Assert.That(idle.State, Is.EqualTo(ObjectiveState.NoData), "slices without a value count neither way");
            Assert.That(idle.Slices?.Total ?? 0, Is.Zero);
        });
    }

    [Test]
    public async Task CompositeSlo_GivesTheNativeCompositesFiguresAndSoDoesItsConversion()
    {
        var statuses = await EvaluateAsync("composites", Composites);
        var native = statuses["parts/checkout"];
        var openSlo = statuses["journey/checkout"];
        static double Ratio(TrueCounts t) => (double)t.Errors / t.Requests;
        var month = Duration.FromDays(30);
        var truth = (Ratio(Scenario.Truth("steady", month)) + 2 * Ratio(Scenario.Truth("leaky", month))) / 3;
        Assert.Multiple(() =>
        {
            Assert.That(openSlo.State, Is.EqualTo(ObjectiveState.Ok), openSlo.Message);
            Assert.That(openSlo.Sli, Is.EqualTo(native.Sli));
            Assert.That(openSlo.Events, Is.EqualTo(native.Events));
            Assert.That(openSlo.Budget, Is.EqualTo(native.Budget));
            Assert.That(openSlo.BurnRates, Is.EquivalentTo(native.BurnRates));
            Assert.That(1 - openSlo.Sli!.Value, Is.EqualTo(truth).Within(1).Percent, "the weighted bad ratio of the truth");
            Assert.That(statuses["journey/checkout-leaky"].Events, Is.EqualTo(statuses["parts/leaky"].Events), "each objective an objective of its own");
        });

        // slo convert's native text for the OpenSLO document alone evaluates to the same figures.
        var file = Path.Combine(IntegrationEnvironment.WorkDirectory, "openslo-composite-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        await File.WriteAllTextAsync(file, Composites[Composites.IndexOf("apiVersion: openslo/v1", StringComparison.Ordinal)..]);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(ConvertCommand.Run([file], stdout, stderr), Is.Zero, stderr.ToString());
        var converted = (await EvaluateAsync("converted", stdout.ToString()))["journey/checkout"];
        Assert.Multiple(() =>
        {
            Assert.That(converted.Sli, Is.EqualTo(openSlo.Sli));
            Assert.That(converted.Budget, Is.EqualTo(openSlo.Budget));
            Assert.That(converted.BurnRates, Is.EquivalentTo(openSlo.BurnRates));
        });
    }
}
