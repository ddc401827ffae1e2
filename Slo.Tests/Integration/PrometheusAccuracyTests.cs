using Slo.Api.Evaluation;
using Slo.Api.Ledger;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Ledger;

namespace Slo.Tests.Integration;

/// <summary>
/// The ledger's figures from a real Prometheus against the generated ground truth: every count within 1%. Run with
/// the finest bucket chosen from the scrape interval (the data is sampled once a minute, so 5m) and with 1m buckets
/// (which the minute samples, exactly on the minute, also allow); and the same on VictoriaMetrics single-node, the
/// same counters imported through its API.
/// </summary>
[TestFixture("auto", 5, "prometheus")]
[TestFixture("1m", 1, "prometheus")]
[TestFixture("auto", 5, "victoria-metrics")]
[TestFixture("1m", 1, "victoria-metrics")]
public class PrometheusAccuracyTests(string fineBucket, int fineMinutes, string backend)
{
    private static readonly Duration ThirtyDays = Duration.FromDays(30);
    private static readonly Duration OneHour = Duration.FromHours(1);
    private DefinitionSet _definitions = DefinitionSet.Empty;
    private TestLedgers _ledgers = null!;
    private IReadOnlyDictionary<ObjectiveId, Exception> _failures = null!;

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [OneTimeSetUp]
    public async Task SyncLedgers()
    {
        _definitions = DefinitionLoader.LoadText(TestScenario.Definitions, "scenario.yaml");
        Assert.That(_definitions.Errors, Is.Empty);
        var url = backend == "victoria-metrics" ? (await VictoriaMetrics.SharedAsync()).Url : IntegrationEnvironment.Prometheus.Url;
        _ledgers = await TestLedgers.StartAsync(url, Path.Combine(IntegrationEnvironment.WorkDirectory, $"accuracy-{backend}-{fineBucket}"), ("Ledger:FineBucket", fineBucket));
        // As the service does over its first cycle and the history backfill: the window, then one more period back.
        _failures = await _ledgers.Book.SyncAsync(_definitions.Objectives, Scenario.End, o => LedgerMeasurement.RetainFrom(o, Scenario.End), CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task DisposeLedgers() => await _ledgers.DisposeAsync();

    private Measurement Measure(string service, string name, Instant? at = null) =>
        _ledgers.Book.Measure(_definitions.Find(service, name)!, at ?? Scenario.End);

    private ObjectiveStatus Evaluate(string service, string name) =>
        ObjectiveEvaluator.Evaluate(_definitions.Find(service, name)!, Scenario.End, Measure(service, name));

    private static void AssertWithinOnePercent(double actual, double expected, string what) =>
        Assert.That(actual, Is.EqualTo(expected).Within(1).Percent, what);

    [Test]
    public void Sync_Scenario_FailsOnlyTheObjectiveThatCannotWork()
    {
        Assert.That(_failures.Keys.Select(k => k.ToString()), Is.EquivalentTo(new[] { "slowdown/latency-wrong-bound" }));
        Assert.That(_failures.Values.Single(), Is.TypeOf<DefinitionMismatchException>()
            .With.Message.Contains("0.25s is not a bucket bound").And.Message.Contains("0.05, 0.1, 0.3, 1, +Inf"));
    }

    [TestCase("steady")]
    [TestCase("burst")]
    [TestCase("restart")]
    [TestCase("gappy")]
    [TestCase("leaky")]
    [TestCase("edges")]
    public void Measure_Availability_MatchesTruthOverWindowAndEveryBurnWindow(string job)
    {
        var m = Measure(job, "availability");
        var month = Scenario.Truth(job, ThirtyDays);
        Assert.Multiple(() =>
        {
            AssertWithinOnePercent(m.Window.Total, month.Requests, "30d total");
            AssertWithinOnePercent(m.Window.Bad, month.Errors, "30d bad");
            foreach (var (window, counts) in m.BurnWindows)
            {
                var truth = Scenario.Truth(job, window);
                AssertWithinOnePercent(counts.Total, truth.Requests, $"{window} total");
                // A handful of errors in a short window: judge the count, not a ratio of small numbers.
                Assert.That(counts.Bad, Is.EqualTo((double)truth.Errors).Within(Math.Max(1.0, truth.Errors * 0.01)), $"{window} bad");
            }
        });
    }

    [Test]
    public void Measure_BurstStraddlingBucketEdges_MatchesTruthAtEveryMinuteAcrossIt()
    {
        // Backtesting minute by minute through the burst, whose edges fall inside 5-minute buckets. A measurement counts
        // up to the newest bucket edge, so the truth is taken there.
        var objective = _definitions.Find("edges", "availability")!;
        var fine = Duration.FromMinutes(fineMinutes);
        Assert.Multiple(() =>
        {
            for (var at = Scenario.EdgeBurstStart - Duration.FromMinutes(6); at <= Scenario.EdgeBurstEnd + Duration.FromMinutes(6) && at <= Scenario.End; at += Duration.FromMinutes(1))
            {
                var m = _ledgers.Book.Measure(objective, at);
                var asOf = Instant.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds() / (long)fine.TotalMilliseconds * (long)fine.TotalMilliseconds);
                foreach (var window in new[] { Duration.FromMinutes(5), Duration.FromMinutes(30), OneHour, Duration.FromHours(6) })
                {
                    var truth = Scenario.Truth("edges", window, asOf);
                    AssertWithinOnePercent(m.BurnWindows[window].Bad, truth.Errors, $"{window} bad at {at}");
                }
            }
        });
    }

    [Test]
    public void Measure_BurstInsideAnHourlyBucket_CountsWholeInTheWindow()
    {
        // Ten days back the ledger keeps hourly buckets; a 13-minute burst inside one is counted whole by the 30d window.
        var m = Measure("edges", "availability");
        var burst = Scenario.Traffic.Truth("edges", Scenario.OldEdgeBurstStart - Duration.FromMinutes(1), Scenario.OldEdgeBurstStart + Duration.FromMinutes(13));
        Assert.That(burst.Errors, Is.GreaterThan(2000), "the burst holds most of the month's errors");
        AssertWithinOnePercent(m.Window.Bad, Scenario.Truth("edges", ThirtyDays).Errors, "30d bad");
    }

    [Test]
    public void Measure_CounterResetsInsideBuckets_AreCountedOnce()
    {
        // The restart job's counters restart two minutes into a bucket two hours back, and again 30 minutes back.
        var m = Measure("restart", "availability");
        var sixHours = Scenario.Truth("restart", Duration.FromHours(6));
        AssertWithinOnePercent(m.BurnWindows[Duration.FromHours(6)].Total, sixHours.Requests, "6h total across both resets");
        var aroundReset = TestScenario.Grid(Scenario.ResetInsideBucket) + Duration.FromMinutes(5);
        var hour = _ledgers.Book.Measure(_definitions.Find("restart", "availability")!, aroundReset).BurnWindows[OneHour];
        AssertWithinOnePercent(hour.Total, Scenario.Truth("restart", OneHour, aroundReset).Requests, "1h total just after the reset");
    }

    [Test]
    public void Measure_LatencyRegression_MatchesTruth()
    {
        var m = Measure("slowdown", "latency");
        var month = Scenario.Truth("slowdown", ThirtyDays);
        var hour = Scenario.Truth("slowdown", OneHour);
        Assert.Multiple(() =>
        {
            AssertWithinOnePercent(m.Window.Bad, month.Slow, "30d slow");
            AssertWithinOnePercent(m.BurnWindows[OneHour].Bad / m.BurnWindows[OneHour].Total, 0.10, "1h slow ratio during the regression");
            AssertWithinOnePercent(m.BurnWindows[OneHour].Total, hour.Requests, "1h total from _count");
        });
    }

    [Test]
    public void Measure_RawQueriesOverScrapeGap_MatchTruth()
    {
        var raw = Measure("gappy", "availability-raw");
        var week = Scenario.Truth("gappy", Duration.FromDays(7));
        AssertWithinOnePercent(raw.Window.Total, week.Requests, "7d total over the scrape gap");
        AssertWithinOnePercent(raw.Window.Bad, week.Errors, "7d errors over the scrape gap");
        var selectors = Measure("gappy", "availability");
        AssertWithinOnePercent(selectors.BurnWindows[Duration.FromDays(3)].Total, Scenario.Truth("gappy", Duration.FromDays(3)).Requests, "3d total over the gap");
    }

    [Test]
    public void Measure_AtPastInstant_MatchesTruthThen()
    {
        var at = Scenario.MidBurst;
        var m = Measure("burst", "availability", at);
        var hour = Scenario.Truth("burst", OneHour, at);
        Assert.That(m.BurnWindows[OneHour].Bad, Is.EqualTo(hour.Errors).Within(1).Percent);
        Assert.That(m.BurnWindows[Duration.FromMinutes(5)].Bad / m.BurnWindows[Duration.FromMinutes(5)].Total, Is.EqualTo(0.05).Within(1).Percent);
    }

    [TestCase("Asia/Kathmandu")]
    [TestCase("Asia/Kolkata")]
    [TestCase("America/St_Johns")]
    public async Task Measure_CalendarWeekInZoneOffByMinutes_StartsExactlyAtLocalMidnight(string zone)
    {
        // With samples on the minute, whole buckets are exact; a period start cut inside a bucket would be off by up to
        // an hour of traffic (0.6% of a week), far more than the tolerance here.
        var set = DefinitionLoader.LoadText($$"""
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: steady
            objectives:
              - name: weekly-{{zone.Replace('/', '-')}}
                target: 99.9
                window: { calendar: week, timeZone: {{zone}} }
                indicator: { ratio: { bad: 'http_requests_total{job="steady",code=~"5.."}', total: 'http_requests_total{job="steady"}' } }
            """, "zone.yaml");
        var objective = set.Objectives.Single();
        var at = TestScenario.Grid(Scenario.End);
        var failures = await _ledgers.Book.SyncAsync([objective], at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
        Assert.That(failures, Is.Empty);
        var window = objective.Window.ElapsedAt(at);
        Assume.That(window.Start, Is.GreaterThan(Scenario.Start), "the week began inside the generated data");
        var truth = Scenario.Traffic.Truth("steady", window.Start, at);
        Assert.That(_ledgers.Book.Measure(objective, at).Window.Total, Is.EqualTo((double)truth.Requests).Within(0.01).Percent);
    }

    [Test]
    public void Evaluate_FastBurn_FiresPageAndBudgetFollowsTruth()
    {
        var status = Evaluate("burst", "availability");
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
    public void Evaluate_Timeslices_CountsSlicesLikeTheTruth()
    {
        var status = Evaluate("steady", "good-slices");
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
    public void Evaluate_NoSeries_IsNoData()
    {
        var status = Evaluate("idle", "availability");
        Assert.That(status.State, Is.EqualTo(ObjectiveState.NoData));
        Assert.That(status.Budget, Is.Null);
    }
}
