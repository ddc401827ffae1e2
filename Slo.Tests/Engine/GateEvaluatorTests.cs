using Slo.Engine;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Gating;

namespace Slo.Tests.Engine;

[TestFixture]
public class GateEvaluatorTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 8, 0);

    private static ServiceDefinition Service(GatePolicy? gate = null) =>
        new("checkout", [TestObjectives.Availability(), TestObjectives.Latency()], gate);

    private static ObjectiveStatus Status(Objective o, double badRatio, Instant? at = null, double total = 100_000) =>
        ObjectiveEvaluator.Evaluate(o, at ?? Now - Duration.FromMinutes(1), TestObjectives.Steady(total, badRatio));

    private static GateDecision Decide(ServiceDefinition service, double reliabilityBad, double performanceBad, GateOverride? o = null) =>
        GateEvaluator.Decide(service, [Status(service.Objectives[0], reliabilityBad), Status(service.Objectives[1], performanceBad)], Now, o);

    [Test]
    public void Decide_BothBudgetsHealthy_Passes()
    {
        var decision = Decide(Service(), 0.0001, 0.001);
        Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Pass));
        Assert.That(decision.Checks.Select(c => c.Rule), Is.SupersetOf(new[] { "freshData", "minBudgetRemaining", "noFiringPage" }));
    }

    [Test]
    public void Decide_ReliabilityOverspent_Fails()
    {
        // 0.0142% bad of a 0.1% budget... 0.00142 bad ratio is 1.42 budgets.
        var decision = Decide(Service(), 0.00142, 0.001);
        var check = decision.Checks.Single(c => c.Rule == GateEvaluator.MinBudgetRemainingRule && c.Signal == Signal.Reliability);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Fail));
            Assert.That(check.Outcome, Is.EqualTo(GateOutcome.Fail));
            Assert.That(check.Actual, Is.EqualTo(-0.42).Within(1e-9));
            Assert.That(check.Threshold, Is.EqualTo(0));
            Assert.That(check.Message, Does.Contain("-42%").And.Contain("reliability"));
        });
    }

    [Test]
    public void Decide_PerformanceOverspent_OnlyWarnsByDefault()
    {
        var decision = Decide(Service(), 0.0001, 0.05);
        Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Warn));
        Assert.That(decision.Checks.Where(c => c.Signal == Signal.Performance && c.Outcome == GateOutcome.Warn), Is.Not.Empty);
    }

    [Test]
    public void Decide_PerformanceInBlockMode_Fails()
    {
        var gate = GatePolicy.Default with { Performance = new SignalGateRule(0, GateMode.Block) };
        Assert.That(Decide(Service(gate), 0.0001, 0.05).Decision, Is.EqualTo(GateOutcome.Fail));
    }

    [Test]
    public void Decide_MinimumRemainingNotMet_Fails()
    {
        var gate = GatePolicy.Default with { Reliability = new SignalGateRule(0.6, GateMode.Block) };
        // Half the budget used: 0.5 remains, below 0.6.
        Assert.That(Decide(Service(gate), 0.0005, 0.001).Decision, Is.EqualTo(GateOutcome.Fail));
    }

    [Test]
    public void Decide_FiringPageWithBudgetLeft_Fails()
    {
        var service = Service();
        var objective = service.Objectives[0];
        // 10 minutes of a heavy burn: budget barely touched over 30 days, but every window up to 3d burns fast.
        var burning = new Measurement(
            Slo.Engine.Budgets.EventCounts.FromTotalAndBad(10_000_000, 100),
            TestObjectives.Steady(10_000, 0.02).BurnWindows);
        var status = ObjectiveEvaluator.Evaluate(objective, Now, burning);
        var decision = GateEvaluator.Decide(service, [status, Status(service.Objectives[1], 0.001)], Now);
        Assert.Multiple(() =>
        {
            Assert.That(status.Budget!.Remaining, Is.GreaterThan(0.9));
            Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Fail));
            Assert.That(decision.Checks.Single(c => c.Rule == GateEvaluator.NoFiringPageRule && c.Signal == Signal.Reliability).Message, Does.Contain("1h/5m"));
        });
    }

    [Test]
    public void Decide_FiringPageWithBlockOnPageOff_Passes()
    {
        var service = Service(GatePolicy.Default with { BlockOnPage = false });
        var burning = new Measurement(Slo.Engine.Budgets.EventCounts.FromTotalAndBad(10_000_000, 100), TestObjectives.Steady(10_000, 0.02).BurnWindows);
        var status = ObjectiveEvaluator.Evaluate(service.Objectives[0], Now, burning);
        Assert.That(GateEvaluator.Decide(service, [status, Status(service.Objectives[1], 0.001)], Now).Decision, Is.EqualTo(GateOutcome.Pass));
    }

    [Test]
    public void Decide_DataOlderThanMaxAge_IsUnknown()
    {
        var service = Service();
        var old = Status(service.Objectives[0], 0.0001, Now - Duration.FromMinutes(11));
        var decision = GateEvaluator.Decide(service, [old, Status(service.Objectives[1], 0.001)], Now);
        Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Unknown));
        Assert.That(decision.Checks.Single(c => c.Outcome == GateOutcome.Unknown).Actual, Is.EqualTo(660));
    }

    [Test]
    public void Decide_StaleReliability_IsUnknownEvenWithBudgetLeft()
    {
        var service = Service();
        var stale = Status(service.Objectives[0], 0.0001).MarkStale("Prometheus unreachable");
        Assert.That(GateEvaluator.Decide(service, [stale, Status(service.Objectives[1], 0.001)], Now).Decision, Is.EqualTo(GateOutcome.Unknown));
    }

    [Test]
    public void Decide_FailingGateGoesStale_KeepsFailingWithTheLastKnownChecksMarkedStale()
    {
        // The audit: during an outage a failing gate turned unknown (exit 2) and stopped saying why it failed.
        var service = Service();
        var stale = Status(service.Objectives[0], 0.00142, Now - Duration.FromMinutes(3)).MarkStale("Prometheus unreachable");
        var decision = GateEvaluator.Decide(service, [stale, Status(service.Objectives[1], 0.001)], Now);
        var reliability = decision.Checks.Where(c => c.Signal == Signal.Reliability).ToArray();
        var budget = reliability.Single(c => c.Rule == GateEvaluator.MinBudgetRemainingRule);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Fail));
            Assert.That(reliability.Single(c => c.Rule == GateEvaluator.FreshDataRule).Outcome, Is.EqualTo(GateOutcome.Unknown));
            Assert.That(budget.Outcome, Is.EqualTo(GateOutcome.Fail));
            Assert.That(budget.Stale, Is.True);
            Assert.That(budget.Actual, Is.EqualTo(-0.42).Within(1e-9));
            Assert.That(budget.Message, Does.StartWith("last known, 0:03:00 ago: ").And.Contain("-42%"));
            Assert.That(reliability.Single(c => c.Rule == GateEvaluator.NoFiringPageRule).Stale, Is.True);
            Assert.That(decision.Checks.Where(c => c.Signal == Signal.Performance), Has.All.Matches<GateCheck>(c => !c.Stale));
        });
    }

    [Test]
    public void Decide_NeverEvaluatedAndFailed_HasNoStaleChecks()
    {
        var service = Service();
        var failed = ObjectiveStatus.Failed(service.Objectives[0], Now, "unreachable");
        var decision = GateEvaluator.Decide(service, [failed, Status(service.Objectives[1], 0.001)], Now);
        Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Unknown));
        Assert.That(decision.Checks.Where(c => c.Signal == Signal.Reliability).Select(c => c.Rule), Is.EqualTo(new[] { GateEvaluator.FreshDataRule }));
    }

    [Test]
    public void Decide_NoDataOnPerformanceInWarnMode_WarnsOnly()
    {
        var service = Service();
        var decision = GateEvaluator.Decide(service, [Status(service.Objectives[0], 0.0001), Status(service.Objectives[1], 0, total: 0)], Now);
        Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Warn));
    }

    [Test]
    public void Decide_MissingEvaluation_IsUnknown()
    {
        var service = Service();
        Assert.That(GateEvaluator.Decide(service, [Status(service.Objectives[1], 0.001)], Now).Decision, Is.EqualTo(GateOutcome.Unknown));
    }

    [Test]
    public void Decide_FailAndUnknown_FailWins()
    {
        var gate = GatePolicy.Default with { Performance = new SignalGateRule(0, GateMode.Block) };
        var service = Service(gate);
        var decision = GateEvaluator.Decide(service, [Status(service.Objectives[0], 0.01), Status(service.Objectives[1], 0.001).MarkStale("down")], Now);
        Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Fail));
    }

    [Test]
    public void Decide_ActiveOverride_TurnsFailIntoPassAndKeepsChecks()
    {
        var o = new GateOverride("checkout", "hotfix for incident 42", "alice", Now - Duration.FromMinutes(5), Now + Duration.FromHours(1));
        var decision = Decide(Service(), 0.01, 0.001, o);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Pass));
            Assert.That(decision.Overridden, Is.True);
            Assert.That(decision.Override, Is.EqualTo(o));
            Assert.That(decision.Checks.Any(c => c.Outcome == GateOutcome.Fail), Is.True);
        });
    }

    [Test]
    public void Decide_ExpiredOverride_StillFails()
    {
        var o = new GateOverride("checkout", "old", "alice", Now - Duration.FromHours(2), Now - Duration.FromHours(1));
        var decision = Decide(Service(), 0.01, 0.001, o);
        Assert.That(decision.Decision, Is.EqualTo(GateOutcome.Fail));
        Assert.That(decision.Override, Is.Null);
    }
}
