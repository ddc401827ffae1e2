using Microsoft.Extensions.Logging.Abstractions;
using Slo.Api.Evaluation;
using Slo.Api.Prometheus;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>The engine's figures from a real Prometheus against the generated ground truth.</summary>
[TestFixture]
public class PrometheusAccuracyTests
{
    private static readonly Duration ThirtyDays = Duration.FromDays(30);
    private static readonly Duration OneHour = Duration.FromHours(1);
    private DefinitionSet _definitions = DefinitionSet.Empty;
    private ObjectiveMeasurer _measurer = null!;
    private HttpClient _http = null!;

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [OneTimeSetUp]
    public void CreateMeasurer()
    {
        _definitions = DefinitionLoader.LoadText(TestScenario.Definitions, "scenario.yaml");
        Assert.That(_definitions.Errors, Is.Empty);
        _http = new HttpClient { BaseAddress = IntegrationEnvironment.Prometheus.Url };
        _measurer = new ObjectiveMeasurer(new PrometheusClient(_http), NullLogger<ObjectiveMeasurer>.Instance);
    }

    [OneTimeTearDown]
    public void DisposeClient() => _http.Dispose();

    private Task<Measurement> Measure(string service, string name, Instant? at = null) =>
        _measurer.MeasureAsync(_definitions.Find(service, name)!, at ?? Scenario.End, CancellationToken.None);

    private static void AssertWithinOnePercent(double actual, double expected, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(1).Percent, what);

    [TestCase("steady")]
    [TestCase("burst")]
    [TestCase("restart")]
    [TestCase("gappy")]
    [TestCase("leaky")]
    public async Task Measure_Availability_MatchesTruthOver30dAnd1h(string job)
    {
        var name = "availability";
        var m = await Measure(job, name);
        var month = Scenario.Truth(job, ThirtyDays);
        var hour = Scenario.Truth(job, OneHour);
        Assert.Multiple(() =>
        {
            AssertWithinOnePercent(m.Window.Total, month.Requests, "30d total");
            AssertWithinOnePercent(m.Window.Bad / m.Window.Total, (double)month.Errors / month.Requests, "30d bad ratio");
            AssertWithinOnePercent(m.BurnWindows[OneHour].Total, hour.Requests, "1h total");
            AssertWithinOnePercent(m.BurnWindows[OneHour].Bad / m.BurnWindows[OneHour].Total, (double)hour.Errors / hour.Requests, "1h bad ratio");
        });
    }

    [Test]
    public async Task Measure_CounterResetInsideWindow_IsCountedOnce()
    {
        // The restart job's counters restart 30 minutes before the end: the 1h window straddles the reset.
        var m = await Measure("restart", "availability");
        var truth = Scenario.Truth("restart", OneHour);
        Assert.That(m.BurnWindows[OneHour].Total, Is.EqualTo(truth.Requests).Within(1).Percent);
        Assert.That(m.BurnWindows[Duration.FromMinutes(30)].Total, Is.LessThan(truth.Requests * 0.6), "the half hour after the reset holds half the hour's events");
    }

    [Test]
    public async Task Measure_LatencyRegression_MatchesTruth()
    {
        var m = await Measure("slowdown", "latency");
        var month = Scenario.Truth("slowdown", ThirtyDays);
        var hour = Scenario.Truth("slowdown", OneHour);
        Assert.Multiple(() =>
        {
            AssertWithinOnePercent(m.Window.Bad / m.Window.Total, (double)month.Slow / month.Requests, "30d slow ratio");
            AssertWithinOnePercent(m.BurnWindows[OneHour].Bad / m.BurnWindows[OneHour].Total, 0.10, "1h slow ratio during the regression");
            AssertWithinOnePercent(m.BurnWindows[OneHour].Total, hour.Requests, "1h total from _count");
        });
    }

    [Test]
    public async Task Measure_RawQueries_MatchSelectorForm()
    {
        var raw = await Measure("gappy", "availability-raw");
        var truth = Scenario.Truth("gappy", Duration.FromDays(7));
        AssertWithinOnePercent(raw.Window.Total, truth.Requests, "7d total over the scrape gap");
        AssertWithinOnePercent(raw.Window.Bad, truth.Errors, "7d errors over the scrape gap");
    }

    [Test]
    public async Task Measure_AtPastInstant_MatchesTruthThen()
    {
        var at = Scenario.MidBurst;
        var m = await Measure("burst", "availability", at);
        var hour = Scenario.Truth("burst", OneHour, at);
        Assert.That(m.BurnWindows[OneHour].Bad, Is.EqualTo(hour.Errors).Within(1).Percent);
        Assert.That(m.BurnWindows[Duration.FromMinutes(5)].Bad / m.BurnWindows[Duration.FromMinutes(5)].Total, Is.EqualTo(0.05).Within(1).Percent);
    }

    [Test]
    public async Task Evaluate_FastBurn_FiresPageAndBudgetFollowsTruth()
    {
        var objective = _definitions.Find("burst", "availability")!;
        var status = await _measurer.EvaluateAsync(objective, Scenario.End, CancellationToken.None);
        var month = Scenario.Truth("burst", ThirtyDays);
        var expectedRemaining = 1 - month.Errors / (0.001 * month.Requests);
        Assert.Multiple(() =>
        {
            Assert.That(status.State, Is.EqualTo(ObjectiveState.Ok));
            Assert.That(status.Budget!.Remaining, Is.EqualTo(expectedRemaining).Within(0.02));
            Assert.That(status.FiringAlerts.Select(a => a.Tier.Key), Does.Contain("page-1h-5m"));
        });
    }

    [Test]
    public async Task Evaluate_Timeslices_CountsSlicesLikeTheTruth()
    {
        var objective = _definitions.Find("steady", "good-slices")!;
        var status = await _measurer.EvaluateAsync(objective, Scenario.End, CancellationToken.None);
        // Steady traffic fails 0.05% of requests, exactly the slice target, so ten-minute slices are good
        // unless the error accumulator lands two errors in one slice; count that from the truth.
        var sliceLength = Duration.FromMinutes(10);
        var endMs = Scenario.End.ToUnixTimeMilliseconds() / 600_000 * 600_000;
        int good = 0, all = 0;
        for (var end = Instant.FromUnixTimeMilliseconds(endMs); end - sliceLength >= Scenario.End - Duration.FromDays(1); end -= sliceLength)
        {
            var t = Scenario.Traffic.Truth("steady", end - sliceLength, end);
            all++;
            if ((double)(t.Requests - t.Errors) / t.Requests >= 0.9995)
                good++;
        }

        Assert.That(status.Slices!.Value.Total, Is.EqualTo(all).Within(1));
        Assert.That(status.Sli, Is.EqualTo((double)good / all).Within(0.02));
    }

    [Test]
    public async Task Evaluate_NoSeries_IsNoData()
    {
        var status = await _measurer.EvaluateAsync(_definitions.Find("idle", "availability")!, Scenario.End, CancellationToken.None);
        Assert.That(status.State, Is.EqualTo(ObjectiveState.NoData));
        Assert.That(status.Budget, Is.Null);
    }

    [Test]
    public void Evaluate_ThresholdNotABucketBound_SaysWhichBoundsExist()
    {
        var objective = _definitions.Find("slowdown", "latency-wrong-bound")!;
        Assert.That(async () => await _measurer.EvaluateAsync(objective, Scenario.End, CancellationToken.None),
            Throws.TypeOf<DefinitionMismatchException>().With.Message.Contains("0.25s is not a bucket bound").And.Message.Contains("0.05, 0.1, 0.3, 1, +Inf"));
    }
}
