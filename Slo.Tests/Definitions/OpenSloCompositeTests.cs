using Slo.Engine;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>OpenSLO composite SLOs (objectives with their own indicators and <c>compositeWeight</c>), read into the
/// native composite model: each objective an objective of its own, the SLO a composite of them.</summary>
[TestFixture]
public class OpenSloCompositeTests
{
    private const string Composite = """
        - apiVersion: openslo/v1
          kind: SLI
          metadata: { name: payments-errors }
          spec:
            ratioMetric:
              counter: true
              bad: { metricSource: { type: Prometheus, spec: { query: 'e_total{job="payments"}' } } }
              total: { metricSource: { type: Prometheus, spec: { query: 'r_total{job="payments"}' } } }
        - apiVersion: openslo/v1
          kind: SLO
          metadata: { name: checkout, displayName: Checkout journey }
          spec:
            service: journey
            timeWindow: [ { duration: 30d, isRolling: true } ]
            budgetingMethod: Occurrences
            objectives:
              - displayName: Cart
                target: 0.995
                indicator:
                  metadata: { name: cart-errors }
                  spec:
                    ratioMetric:
                      counter: true
                      bad: { metricSource: { type: Prometheus, spec: { query: 'e_total{job="cart"}' } } }
                      total: { metricSource: { type: Prometheus, spec: { query: 'r_total{job="cart"}' } } }
              - displayName: Payments
                target: 0.995
                compositeWeight: 2
                indicatorRef: payments-errors
            alertPolicies:
              - kind: AlertPolicy
                metadata: { name: fast }
                spec:
                  alertWhenBreaching: true
                  conditions:
                    - kind: AlertCondition
                      metadata: { name: fast }
                      spec: { severity: page, condition: { kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h } }
                  notificationTargets: []
        """;

    private static DefinitionSet Load(string yaml) => DefinitionLoader.LoadText(yaml, "journey.yaml");

    private static string Change(string from, string to)
    {
        if (!Composite.Contains(from, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no text '{from}' to replace", nameof(from));
        return Composite.Replace(from, to, StringComparison.Ordinal);
    }

    [Test]
    public void Load_CompositeSlo_IsACompositeOfItsObjectivesEachAnObjective()
    {
        var set = Load(Composite);
        Assert.That(set.Errors.Select(e => e.ToString()), Is.Empty);
        var composite = set.Find("journey", "checkout")!;
        var cart = set.Find("journey", "checkout-cart")!;
        var payments = set.Find("journey", "checkout-payments")!;
        var indicator = (CompositeIndicator)composite.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(indicator.Components, Is.EqualTo(new[]
            {
                new CompositeComponent(new ObjectiveId("journey", "checkout-cart"), 1),
                new CompositeComponent(new ObjectiveId("journey", "checkout-payments"), 2),
            }));
            Assert.That(composite.Target.Fraction, Is.EqualTo(0.995), "one target for all: the composite's");
            Assert.That(composite.Signal, Is.EqualTo(Signal.Reliability));
            Assert.That(composite.Alerting.Tiers.Select(t => t.Key), Is.EqualTo(new[] { "page-1h-5m" }), "the SLO's alert policy is the composite's");
            Assert.That(composite.Description, Is.EqualTo("Checkout journey"));
            Assert.That(((RatioIndicator)cart.Indicator).Bad!.ToString(), Is.EqualTo("e_total{job=\"cart\"}"));
            Assert.That(((RatioIndicator)payments.Indicator).Total.ToString(), Is.EqualTo("r_total{job=\"payments\"}"));
            Assert.That(cart.Target.Fraction, Is.EqualTo(0.995));
            Assert.That(cart.Window.Length, Is.EqualTo("30d"));
            Assert.That(new[] { cart, payments }.Select(p => (p.Alerting.Tiers.Count, p.Alerting.NoDataAfter)), Is.All.EqualTo((0, (Duration?)null)),
                "the parts raise no alerts of their own");
        });
    }

    [Test]
    public void Load_CompositeOfDifferentTargets_BurnsAsTheWeightedMeanOfTheirBudgets()
    {
        var set = Load(Change("      - displayName: Payments\n        target: 0.995", "      - displayName: Payments\n        target: 0.999"));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Warnings.Select(w => w.ToString()), Has.Some.Contains("spec.objectives: the objectives' targets differ: the composite journey/checkout is judged against"));
        var composite = set.Find("journey", "checkout")!;
        var weights = ((CompositeIndicator)composite.Indicator).Components.Select(c => c.Weight).ToArray();
        foreach (var (cartBad, paymentsBad) in new[] { (0.004, 0.0005), (0.02, 0.0), (0.0, 0.003), (0.005, 0.001) })
        {
            var counts = CompositeCounts.Combine([(weights[0], EventCounts.FromTotalAndBad(1000, 1000 * cartBad)), (weights[1], EventCounts.FromTotalAndBad(1000, 1000 * paymentsBad))]);
            var consumed = ErrorBudget.FromEvents(composite.Target, counts)!.Consumed;
            var meanOfBudgets = (1 * cartBad / 0.005 + 2 * paymentsBad / 0.001) / 3;
            Assert.That(consumed, Is.EqualTo(meanOfBudgets).Within(1e-9), $"cart {cartBad}, payments {paymentsBad}");
        }
    }

    [Test]
    public void Convert_CompositeSlo_WritesItsObjectivesAndTheCompositeAndLoadsBackTheSame()
    {
        var set = Load(Composite);
        var conversion = NativeYamlWriter.Write(set.Services);
        Assert.That(conversion.Problems, Is.Empty);
        Assert.That(conversion.Yaml, Does.Contain("      objectives:\n        - { objective: journey/checkout-cart, weight: 1 }\n        - { objective: journey/checkout-payments, weight: 2 }\n"));
        var native = DefinitionLoader.LoadText(conversion.Yaml, "converted.yaml");
        Assert.That(native.Diagnostics.Select(d => d.ToString()), Is.Empty, conversion.Yaml);
        ObjectiveComparison.AssertSame(native.Objectives, set.Objectives);
        Assert.That(native.Objectives.Select(o => o.Alerting.NoDataAfter), Is.EqualTo(set.Objectives.Select(o => o.Alerting.NoDataAfter)));
    }

    [TestCase("    budgetingMethod: Occurrences", "    indicatorRef: payments-errors\n    budgetingMethod: Occurrences",
        "journey.yaml:15:19: spec.indicatorRef: give indicatorRef on the SLO or indicators on each of its objectives (a composite SLO), not both")]
    [TestCase("compositeWeight: 2", "compositeWeight: 0", "journey.yaml:28:26: spec.objectives[1].compositeWeight: 0 is out of range: a compositeWeight is a number above 0")]
    [TestCase("        compositeWeight: 2\n        indicatorRef: payments-errors\n", "",
        "journey.yaml:26:9: spec.objectives[1].indicator: is required in a composite SLO: every objective names its own indicator or indicatorRef")]
    [TestCase("indicatorRef: payments-errors", "indicatorRef: payment-errors", "journey.yaml:29:23: spec.objectives[1].indicatorRef: SLI 'payment-errors' does not exist")]
    public void Load_CompositeMistake_IsNamedWhereItIsWritten(string from, string to, string error)
    {
        var errors = Load(Change(from, to)).Errors.Select(e => e.ToString()).ToArray();
        Assert.That(errors, Has.Length.EqualTo(1), string.Join("\n", errors));
        Assert.That(errors[0], Does.StartWith(error));
    }

    [Test]
    public void Load_TimeslicesComposite_IsRefusedAsUnsupported()
    {
        var yaml = Change("budgetingMethod: Occurrences", "budgetingMethod: Timeslices")
            .Replace("target: 0.995\n", "target: 0.995\n        timeSliceTarget: 0.9\n        timeSliceWindow: 5m\n", StringComparison.Ordinal);
        Assert.That(Load(yaml).Errors.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            "journey.yaml:15:22: spec.budgetingMethod: a composite SLO is read with budgetingMethod Occurrences only (its budget burns as the weighted mean of its objectives' bad-event ratios); Timeslices composites are not supported",
        }));
    }

    [Test]
    public void Load_CompositeWeightWithoutOwnIndicators_HasNoEffectAndSaysSo()
    {
        var yaml = Change("    budgetingMethod: Occurrences", "    indicatorRef: payments-errors\n    budgetingMethod: Occurrences")
            .Replace("        indicator:\n          metadata: { name: cart-errors }\n          spec:\n            ratioMetric:\n              counter: true\n              bad: { metricSource: { type: Prometheus, spec: { query: 'e_total{job=\"cart\"}' } } }\n              total: { metricSource: { type: Prometheus, spec: { query: 'r_total{job=\"cart\"}' } } }\n", "", StringComparison.Ordinal)
            .Replace("        indicatorRef: payments-errors\n", "", StringComparison.Ordinal);
        var set = Load(yaml);
        Assert.That(set.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(set.Objectives.Select(o => o.Id.ToString()), Is.EquivalentTo(new[] { "journey/checkout-cart", "journey/checkout-payments" }));
        Assert.That(set.Warnings.Select(w => w.ToString()), Has.Some.Contains("spec.objectives[1].compositeWeight: has no effect"));
    }
}
