using Slo.Api.Cluster;
using Slo.Engine;
using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Windows;
using Slo.Tests.Engine;

namespace Slo.Tests.Cluster;

/// <summary>What one replica writes of a status and another reads back, and which shard an objective falls in.</summary>
public class SharedStatusTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 26, 12, 0, 30);

    internal static Objective Objective()
    {
        var o = TestObjectives.Availability();
        return new Objective(o.Id, o.Signal, o.Target, o.Window, o.Indicator, alerting: new AlertPolicy(AlertTier.Defaults, 100) { ExhaustionWithin = Duration.FromDays(7) });
    }

    /// <summary>A burning objective: a page fires, the exhaustion condition too, with counts that are not round numbers.</summary>
    internal static ObjectiveStatus Status(Objective objective, Instant at) =>
        ObjectiveEvaluator.Evaluate(objective, at, TestObjectives.Steady(123_456.789, 0.0314159)) with
        {
            Excluded = EventCounts.FromGoodAndBad(1.5, 0.1 + 0.2),
            CorrectionActive = true,
        };

    [Test]
    public void Read_GivesBackEveryFigure_BitForBit()
    {
        var objective = Objective();
        var status = Status(objective, At);
        Assume.That(status.Alerts.Any(a => a.Firing) && status.Conditions.Count > 0, "the example fires a tier and evaluates a condition");

        var read = SharedStatus.Read(objective, SharedStatus.Write(status));

        Assert.Multiple(() =>
        {
            Assert.That(SharedStatus.Write(read), Is.EqualTo(SharedStatus.Write(status)));
            Assert.That(read.Objective, Is.SameAs(objective), "joined to the reader's own definition");
            Assert.That(read.State, Is.EqualTo(status.State));
            Assert.That(read.EvaluatedAt, Is.EqualTo(status.EvaluatedAt));
            Assert.That(read.Window, Is.EqualTo(status.Window));
            Assert.That(read.Events, Is.EqualTo(status.Events));
            Assert.That(read.Sli, Is.EqualTo(status.Sli));
            Assert.That(read.Budget, Is.EqualTo(status.Budget));
            Assert.That(read.ExhaustsAt, Is.EqualTo(status.ExhaustsAt));
            Assert.That(read.BurnRates, Is.EquivalentTo(status.BurnRates));
            Assert.That(read.Alerts, Is.EqualTo(status.Alerts), "tiers found again by key");
            Assert.That(read.Conditions, Is.EqualTo(status.Conditions));
            Assert.That(read.Excluded, Is.EqualTo(status.Excluded));
            Assert.That(read.CorrectionActive, Is.True);
        });
    }

    [Test]
    public void Read_StaleStatusWithoutNumbers_KeepsItsMessage()
    {
        var objective = Objective();
        var failed = ObjectiveStatus.Failed(objective, At, "cannot reach Prometheus at http://127.0.0.1:9/");
        var read = SharedStatus.Read(objective, SharedStatus.Write(failed));
        Assert.Multiple(() =>
        {
            Assert.That(read.State, Is.EqualTo(ObjectiveState.Error));
            Assert.That(read.Message, Is.EqualTo(failed.Message));
            Assert.That(read.Budget, Is.Null);
            Assert.That(read.BurnRates.Values, Has.All.Null);
        });
    }

    [Test]
    public void ShardOf_StableAndEven_CompositeWithItsComponents()
    {
        var ids = Enumerable.Range(0, 6000).Select(i => new ObjectiveId("s" + (i % 97), "o" + i)).ToArray();
        var set = new DefinitionSet(ids.GroupBy(id => id.Service).Select(g => new ServiceDefinition(g.Key,
            g.Select(id => new Objective(id, Signal.Reliability, Target.FromPercent(99.9), new RollingWindow(Duration.FromDays(30)), TestObjectives.Availability().Indicator)).ToArray())).ToArray(), []);
        var counts = ids.GroupBy(id => ShardMap.ShardOf(set, id, 60)).Select(g => g.Count()).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(ShardMap.ShardOf(set, new ObjectiveId("checkout", "availability"), 60), Is.EqualTo(ShardMap.ShardOf(DefinitionSet.Empty, "checkout/availability", 60)),
                "the same id, the same shard, whatever the set");
            Assert.That(counts, Has.Length.EqualTo(60));
            // Three replicas of 20 shards each: within 10% of a third.
            var perReplica = Enumerable.Range(0, 3).Select(r => ids.Count(id => ShardMap.ShardOf(set, id, 60) % 3 == r)).ToArray();
            Assert.That(perReplica.Max() / (double)perReplica.Min(), Is.LessThan(1.1), string.Join(", ", perReplica));
        });

        var journey = new Objective(new ObjectiveId("journeys", "purchase"), Signal.Reliability, Target.FromPercent(99), new RollingWindow(Duration.FromDays(30)),
            new CompositeIndicator([new CompositeComponent(new ObjectiveId("s1", "o1"), 1), new CompositeComponent(new ObjectiveId("s2", "o2"), 2)], Signal.Reliability));
        var withComposite = new DefinitionSet([.. set.Services, new ServiceDefinition("journeys", [journey])], []);
        var shards = new[] { "journeys/purchase", "s1/o1", "s2/o2" }.Select(id => ShardMap.ShardOf(withComposite, id, 60)).Distinct();
        Assert.That(shards, Has.Exactly(1).Items, "a composite is evaluated where its components' ledgers are");
    }
}
