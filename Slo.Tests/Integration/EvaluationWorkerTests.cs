using Slo.Api.Evaluation;
using Slo.Api.Storage;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>The worker inside the real host, against real Prometheus processes and a SQLite file.</summary>
[TestFixture]
public class EvaluationWorkerTests
{
    private string _directory = "";

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "worker-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
    }

    [Test]
    public async Task RunCycle_ScenarioDefinitions_PublishesEveryStatusAndRecordsHistory()
    {
        await using var host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, _directory, SloHost.ClockAt(Scenario.End));
        var summary = await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        var board = host.Get<StatusBoard>();
        var states = board.All.ToDictionary(s => s.Id.ToString(), s => s.State);

        Assert.Multiple(() =>
        {
            Assert.That(summary.Objectives, Is.EqualTo(13));
            Assert.That(summary.Failed, Is.EqualTo(1), "only the objective with a threshold that is no bucket bound");
            Assert.That(board.Ready, Is.True);
            Assert.That(states["idle/availability"], Is.EqualTo(ObjectiveState.NoData));
            Assert.That(states["slowdown/latency-wrong-bound"], Is.EqualTo(ObjectiveState.Error));
            Assert.That(states.Where(kv => kv.Key is not ("idle/availability" or "slowdown/latency-wrong-bound")).Select(kv => kv.Value), Is.All.EqualTo(ObjectiveState.Ok));
        });

        var history = await host.Get<EvaluationHistory>().ReadAsync(new ObjectiveId("burst", "availability"), Scenario.End - Duration.FromHours(1), Scenario.End, CancellationToken.None);
        var record = history.Single();
        Assert.That(record.State, Is.EqualTo("ok"));
        Assert.That(record.BudgetRemaining, Is.EqualTo(board.Get(new ObjectiveId("burst", "availability"))!.Budget!.Remaining));
        Assert.That(record.BurnRates, Does.Contain("\"1h\":"));
    }

    [Test]
    public async Task RunCycle_PrometheusStoppedMidRun_KeepsLastNumbersMarkedStale()
    {
        await using var prometheus = await PrometheusServer.StartAsync(IntegrationEnvironment.CopyTsdb("stop-" + Guid.NewGuid().ToString("N")[..8]));
        var clock = SloHost.ClockAt(Scenario.End - Duration.FromMinutes(2));
        await using var host = await SloHost.StartAsync(prometheus.Url, _directory, clock);
        var worker = host.Get<EvaluationWorker>();
        var board = host.Get<StatusBoard>();
        var burst = new ObjectiveId("burst", "availability");

        await worker.RunCycleAsync(CancellationToken.None);
        var before = board.Get(burst)!;
        Assert.That(before.State, Is.EqualTo(ObjectiveState.Ok));

        await prometheus.StopAsync();
        clock.Advance(Duration.FromMinutes(1));
        var down = await worker.RunCycleAsync(CancellationToken.None);
        var stale = board.Get(burst)!;
        Assert.Multiple(() =>
        {
            Assert.That(down.Failed, Is.EqualTo(13));
            Assert.That(stale.State, Is.EqualTo(ObjectiveState.Stale));
            Assert.That(stale.Budget, Is.EqualTo(before.Budget), "the last good numbers stay");
            Assert.That(stale.Sli, Is.EqualTo(before.Sli));
            Assert.That(stale.EvaluatedAt, Is.EqualTo(before.EvaluatedAt), "their age keeps growing");
            Assert.That(stale.Message, Does.Contain("Prometheus"));
            Assert.That(board.Get(new ObjectiveId("idle", "availability"))!.State, Is.EqualTo(ObjectiveState.Stale), "no_data turns stale too, never 100%");
            Assert.That(board.Get(new ObjectiveId("idle", "availability"))!.Budget, Is.Null);
        });

        var rows = await host.Get<EvaluationHistory>().ReadAsync(burst, Scenario.End - Duration.FromHours(1), Scenario.End, CancellationToken.None);
        Assert.That(rows.Select(r => (r.State, r.BudgetRemaining is null)), Is.EqualTo(new[] { ("ok", false), ("stale", true) }));

        await prometheus.StartAsync();
        clock.Advance(Duration.FromMinutes(1));
        await worker.RunCycleAsync(CancellationToken.None);
        Assert.That(board.Get(burst)!.State, Is.EqualTo(ObjectiveState.Ok));
        Assert.That(board.Get(burst)!.EvaluatedAt, Is.EqualTo(Scenario.End));
    }

    [Test]
    public async Task Restart_SameSqliteFile_KeepsHistory()
    {
        var clock = SloHost.ClockAt(Scenario.End - Duration.FromMinutes(2));
        var id = new ObjectiveId("steady", "availability");
        await using (var first = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, _directory, clock))
        {
            await first.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
            clock.Advance(Duration.FromMinutes(1));
            await first.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        }

        await using var second = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, _directory, clock);
        var history = second.Get<EvaluationHistory>();
        var kept = await history.ReadAsync(id, Scenario.End - Duration.FromHours(1), Scenario.End, CancellationToken.None);
        Assert.That(kept.Select(r => r.EvaluatedAt), Is.EqualTo(new[] { Scenario.End - Duration.FromMinutes(2), Scenario.End - Duration.FromMinutes(1) }));
        Assert.That(kept[0].Hourly, Is.True, "the first record of a run opens its hour");

        clock.Advance(Duration.FromMinutes(1));
        await second.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        Assert.That(await history.ReadAsync(id, Scenario.End - Duration.FromHours(1), Scenario.End, CancellationToken.None), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Start_BackgroundWorker_EvaluatesRightAwayAndBecomesReady()
    {
        await using var host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, _directory, SloHost.ClockAt(Scenario.End), background: true, interval: "1h");
        var board = host.Get<StatusBoard>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!board.Ready && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(board.Ready, Is.True, "the first cycle runs at start-up, not after the interval");
        Assert.That(board.Get(new ObjectiveId("steady", "availability"))!.State, Is.EqualTo(ObjectiveState.Ok));
    }
}
