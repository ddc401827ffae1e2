using System.Globalization;
using Slo.Api.Demo;
using Slo.Engine.Definitions;
using Slo.Engine.Ledger;

namespace Slo.Tests.Integration;

/// <summary>What the ledger asks of Prometheus, and when: after a restart, for an objective added while running, and for
/// samples that arrive late.</summary>
[TestFixture]
public class LedgerSyncTests
{
    private static readonly DefinitionSet Definitions = DefinitionLoader.LoadText(TestScenario.Definitions, "scenario.yaml");

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    private static string Folder(string name) => Path.Combine(IntegrationEnvironment.WorkDirectory, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The start of the first bucket each range request asked for, and its query.</summary>
    private static IEnumerable<(Instant From, string Query)> RangeRequests(TestLedgers ledgers) =>
        ledgers.Log.Requests.Where(r => r.Path.EndsWith("/query_range", StringComparison.Ordinal)).Select(r => (
            Instant.FromUnixTimeMilliseconds((long)(1000 * (double.Parse(r.Form["start"], CultureInfo.InvariantCulture) - double.Parse(r.Form["step"], CultureInfo.InvariantCulture)))),
            r.Form["query"]));

    private static Objective Find(string service, string name) => Definitions.Find(service, name)!;

    [Test]
    public async Task Sync_RestartOnSameDatabase_AsksOnlyForBucketsNotYetSettled()
    {
        var folder = Folder("restart");
        var before = Scenario.End - Duration.FromHours(1);
        var objectives = Definitions.Objectives.Where(o => o.Name != "latency-wrong-bound").ToArray();
        await using (var first = await TestLedgers.StartAsync(IntegrationEnvironment.Prometheus.Url, folder))
        {
            Assert.That(await first.Book.SyncAsync(objectives, before, o => LedgerMeasurement.NeedFrom(o, before), CancellationToken.None), Is.Empty);
            await first.Book.SaveAsync(CancellationToken.None);
        }

        await using var second = await TestLedgers.StartAsync(IntegrationEnvironment.Prometheus.Url, folder);
        Assert.That(await second.Book.SyncAsync(objectives, Scenario.End, o => LedgerMeasurement.NeedFrom(o, Scenario.End), CancellationToken.None), Is.Empty);
        var requests = RangeRequests(second).ToArray();
        var month = Scenario.Truth("burst", Duration.FromDays(30));
        var m = second.Book.Measure(Find("burst", "availability"), Scenario.End);
        Assert.Multiple(() =>
        {
            Assert.That(requests, Is.Not.Empty);
            // Buckets ending more than 5 minutes (Ledger:SettleAfter) before the first run's last cycle are settled.
            Assert.That(requests.Select(r => r.From), Is.All.GreaterThanOrEqualTo(before - Duration.FromMinutes(10)));
            Assert.That(second.Log.Requests.Select(r => r.Form.GetValueOrDefault("query") ?? ""), Has.None.Contains("count_over_time"),
                "the bucket lengths chosen before the restart are kept");
            Assert.That(m.Window.Total, Is.EqualTo((double)month.Requests).Within(1).Percent);
            Assert.That(m.Window.Bad, Is.EqualTo((double)month.Errors).Within(1).Percent);
        });
    }

    [Test]
    public async Task Sync_ObjectiveAddedWhileRunning_OnePassForItAndRereadsForTheRest()
    {
        await using var ledgers = await TestLedgers.StartAsync(IntegrationEnvironment.Prometheus.Url, Folder("added"));
        var steady = Find("steady", "availability");
        var burst = Find("burst", "availability");
        var earlier = Scenario.End - Duration.FromMinutes(10);
        Assert.That(await ledgers.Book.SyncAsync([steady], earlier, o => LedgerMeasurement.NeedFrom(o, earlier), CancellationToken.None), Is.Empty);
        ledgers.Log.Clear();
        var samplesBefore = ledgers.Cost.SamplesRead;

        Assert.That(await ledgers.Book.SyncAsync([steady, burst], Scenario.End, o => LedgerMeasurement.NeedFrom(o, Scenario.End), CancellationToken.None), Is.Empty);
        var requests = RangeRequests(ledgers).ToArray();
        var forSteady = requests.Where(r => r.Query.Contains("job=\"steady\"", StringComparison.Ordinal)).ToArray();
        var forBurst = requests.Where(r => r.Query.Contains("job=\"burst\"", StringComparison.Ordinal)).ToArray();
        var month = Scenario.Truth("burst", Duration.FromDays(30));
        Assert.Multiple(() =>
        {
            Assert.That(forSteady.Select(r => r.From), Is.All.GreaterThanOrEqualTo(earlier - Duration.FromMinutes(10)), "only the newest buckets again");
            Assert.That(forBurst.Min(r => r.From), Is.LessThanOrEqualTo(Scenario.End - Duration.FromDays(30)), "the new objective's whole window");
            Assert.That(forSteady.Intersect(forBurst), Is.Empty);
            // One pass over the window: two counters, 30 days of minute samples, read about once.
            var samples = ledgers.Cost.SamplesRead - samplesBefore;
            Assert.That(samples, Is.LessThan(2 * 2 * 30 * 1440 * 1.1 + 1000), "samples read for the added objective");
            Assert.That(ledgers.Book.Measure(burst, Scenario.End).Window.Bad, Is.EqualTo((double)month.Errors).Within(1).Percent);
        });
    }

    [Test]
    public async Task Sync_SamplesArrivingLate_AreCountedWhenTheirBucketsAreReadAgain()
    {
        // One job over two days: a Prometheus that has not received the last three minutes yet, then one that has.
        var end = TestScenario.Grid(Scenario.End);
        var traffic = new SyntheticTraffic(end - Duration.FromDays(2), end, [new TrafficProfile("late", 1000, 0.01, 0.003)]);
        var folder = Folder("late");
        async Task<PrometheusServer> Serve(string name, Instant? until)
        {
            var files = traffic.WriteOpenMetrics(Path.Combine(folder, name + "-om"), until);
            await Slo.Api.Demo.Backfill.RunAsync(files, Path.Combine(folder, name, "tsdb"), CancellationToken.None, Tools.Require("promtool"));
            return await PrometheusServer.StartAsync(Path.Combine(folder, name));
        }

        var objective = DefinitionLoader.LoadText("""
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: late
            objectives:
              - { name: availability, target: 99, window: 1d, indicator: { ratio: { bad: 'http_requests_total{job="late",code=~"5.."}', total: 'http_requests_total{job="late"}' } } }
            """, "late.yaml").Objectives.Single();
        var burn = Duration.FromMinutes(5);
        await using var partial = await Serve("partial", end - Duration.FromMinutes(3));
        await using var complete = await Serve("complete", null);
        var ledger = Path.Combine(folder, "ledger");
        await using (var early = await TestLedgers.StartAsync(partial.Url, ledger, ("Ledger:FineBucket", "1m")))
        {
            Assert.That(await early.Book.SyncAsync([objective], end, o => LedgerMeasurement.NeedFrom(o, end), CancellationToken.None), Is.Empty);
            await early.Book.SaveAsync(CancellationToken.None);
            Assert.That(early.Book.Measure(objective, end).BurnWindows[burn].Total, Is.LessThan(traffic.Truth("late", end - burn, end).Requests * 0.8),
                "the newest minutes lack their samples");
        }

        await using var later = await TestLedgers.StartAsync(complete.Url, ledger, ("Ledger:FineBucket", "1m"));
        var at = end + Duration.FromMinutes(1);
        Assert.That(await later.Book.SyncAsync([objective], at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None), Is.Empty);
        var m = later.Book.Measure(objective, end);
        Assert.Multiple(() =>
        {
            Assert.That(RangeRequests(later).Select(r => r.From), Is.All.GreaterThanOrEqualTo(at - Duration.FromMinutes(5)), "only the unsettled minutes again");
            foreach (var window in new[] { burn, Duration.FromMinutes(30), Duration.FromHours(1) })
            {
                var truth = traffic.Truth("late", end - window, end);
                Assert.That(m.BurnWindows[window].Total, Is.EqualTo((double)truth.Requests).Within(1).Percent, $"{window} total");
                Assert.That(m.BurnWindows[window].Bad, Is.EqualTo((double)truth.Errors).Within(1).Percent, $"{window} bad");
            }
        });
    }
}
