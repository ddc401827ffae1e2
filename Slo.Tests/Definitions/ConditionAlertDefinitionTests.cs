using Slo.Engine.Alerting;
using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary><c>alerting.noDataAfter</c> and <c>alerting.exhaustionWithin</c> of the native format.</summary>
[TestFixture]
public class ConditionAlertDefinitionTests
{
    private static DefinitionSet Load(string alerting) => DefinitionLoader.LoadText($$"""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'e_total', total: 'r_total' } }
            {{alerting}}
        """, "checkout.yaml");

    [TestCase("", 15.0, null)]
    [TestCase("alerting: { noDataAfter: 5m, exhaustionWithin: 7d }", 5.0, 7 * 24 * 60.0)]
    [TestCase("alerting: { noDataAfter: off }", null, null)]
    public void Load_Alerting_SetsTheConditions(string alerting, double? noDataMinutes, double? exhaustionMinutes)
    {
        var set = Load(alerting);
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty);
        var policy = set.Find("checkout", "availability")!.Alerting;
        Assert.That(policy.NoDataAfter?.TotalMinutes, Is.EqualTo(noDataMinutes));
        Assert.That(policy.ExhaustionWithin?.TotalMinutes, Is.EqualTo(exhaustionMinutes));
        Assert.That(ConditionAlerts.EnabledKeys(policy).Count(), Is.EqualTo((noDataMinutes is null ? 0 : 1) + (exhaustionMinutes is null ? 0 : 1)));
    }

    [Test]
    public void Load_BadDuration_IsALocatedError() =>
        Assert.That(Load("alerting: { exhaustionWithin: soon }").Errors.Single().ToString(), Does.StartWith("checkout.yaml:9:35: objectives[0].alerting.exhaustionWithin:"));
}
