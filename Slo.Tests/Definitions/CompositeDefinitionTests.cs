using Slo.Engine;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>Composite objectives: components from any file, one signal, positive weights.</summary>
[TestFixture]
public class CompositeDefinitionTests
{
    private const string Services = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: cart
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'e_total{job="cart"}', total: 'r_total{job="cart"}' } }
          - name: latency
            target: 99
            window: 30d
            indicator: { latency: { histogram: d_seconds, selector: '{job="cart"}', threshold: 300ms } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: payments
        objectives:
          - name: availability
            target: 99.95
            window: 30d
            indicator: { ratio: { bad: 'e_total{job="payments"}', total: 'r_total{job="payments"}' } }
        """;

    private const string Journey = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: journey
        objectives:
          - name: checkout
            target: 99.5
            window: 30d
            composite:
              objectives:
                - { objective: cart/availability, weight: 1 }
                - { objective: payments/availability, weight: 2 }
        """;

    private static DefinitionSet Load(string journey) => DefinitionLoader.Load([("services.yaml", Services), ("journey.yaml", journey)]);

    [Test]
    public void Load_Composite_TakesItsComponentsSignalAndWeights()
    {
        var set = Load(Journey);
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty);
        var composite = set.Find("journey", "checkout")!;
        var indicator = (CompositeIndicator)composite.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(composite.Signal, Is.EqualTo(Signal.Reliability));
            Assert.That(indicator.Components, Is.EqualTo(new[]
            {
                new CompositeComponent(new ObjectiveId("cart", "availability"), 1),
                new CompositeComponent(new ObjectiveId("payments", "availability"), 2),
            }));
            Assert.That(composite.Target.Fraction, Is.EqualTo(0.995));
        });
    }

    [TestCase("cart/availability, weight: 1", "cart/availabilty, weight: 1", "journey.yaml:10:24: objectives[0].composite.objectives[0].objective: no objective 'cart/availabilty' is defined")]
    [TestCase("cart/availability, weight: 1", "cart/latency, weight: 1", "journey.yaml:5:5: composite: a composite carries one signal, and its objectives mix them: cart/latency (performance), payments/availability (reliability)")]
    [TestCase("weight: 2", "weight: 0", "journey.yaml:11:55: objectives[0].composite.objectives[1].weight: a weight must be a positive number, not 0")]
    [TestCase("cart/availability, weight: 1", "cart/availability/x, weight: 1", "journey.yaml:10:24: objectives[0].composite.objectives[0].objective: 'cart/availability/x' is not an objective: write service/name")]
    [TestCase("    target: 99.5", "    target: 99.5\n    signal: performance", "journey.yaml:7:13: objectives[0].signal: the composite's objectives are reliability objectives; its signal cannot be 'performance'")]
    [TestCase("    window: 30d\n    composite:", "    window: 30d\n    indicator: { ratio: { bad: a_total, total: b_total } }\n    composite:", "journey.yaml:10:7: objectives[0].composite: give 'indicator' or 'composite', not both")]
    public void Load_BrokenComposite_IsALocatedError(string text, string replacement, string error)
    {
        var set = Load(Journey.Replace(text, replacement, StringComparison.Ordinal));
        Assert.That(set.Errors.Select(e => e.ToString()), Has.Some.StartsWith(error));
        Assert.That(set.Find("journey", "checkout"), Is.Null);
    }

    [Test]
    public void Load_CompositeOfComposite_IsRefused()
    {
        var nested = Journey + """

              - name: nested
                target: 99
                window: 30d
                composite: { objectives: [ { objective: checkout } ] }
            """;
        var set = Load(nested);
        Assert.That(set.Errors.Select(e => e.ToString()), Has.Some.Contains("'journey/checkout' is a composite itself"));
    }
}

[TestFixture]
public class CompositeCountsTests
{
    [Test]
    public void Combine_WeightsOneAndTwo_GiveTheWeightedBadRatio()
    {
        var combined = CompositeCounts.Combine([(1, EventCounts.FromTotalAndBad(1000, 10)), (2, EventCounts.FromTotalAndBad(4000, 4))]);
        Assert.That(combined.BadRatio!.Value, Is.EqualTo((0.01 + 2 * 0.001) / 3).Within(1e-12));
        Assert.That(combined.Total, Is.EqualTo(5000));
    }

    [Test]
    public void Combine_ComponentWithoutEvents_CountsNeitherWay()
    {
        var combined = CompositeCounts.Combine([(1, EventCounts.FromTotalAndBad(1000, 10)), (2, EventCounts.Empty)]);
        Assert.That(combined.BadRatio!.Value, Is.EqualTo(0.01).Within(1e-12));
        Assert.That(CompositeCounts.Combine([(1, EventCounts.Empty)]).IsEmpty, Is.True);
    }
}
