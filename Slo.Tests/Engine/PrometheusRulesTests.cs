using Slo.Engine.Definitions;
using Slo.Engine.Rules;

namespace Slo.Tests.Engine;

[TestFixture]
public class PrometheusRulesTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 24, 8, 0);

    private static string Generate(string objectives) => PrometheusRules.Generate(DefinitionLoader.LoadText($"""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        labels: {"{"} team: payments {"}"}
        objectives:
        {objectives}
        """).Objectives, At);

    [Test]
    public void Generate_DefaultTiers_ThresholdIsFactorTimesAllowedBadFraction()
    {
        var rules = Generate("  - { name: a, target: 99.9, window: 30d, indicator: { ratio: { bad: 'e_total', total: 'r_total' } } }");
        Assert.Multiple(() =>
        {
            // 14.4 x 0.001, 6 x 0.001, 3 x 0.001, 1 x 0.001
            Assert.That(rules, Does.Contain("slo:error_ratio:rate1h{service=\\\"checkout\\\",objective=\\\"a\\\",signal=\\\"reliability\\\"} > 0.0144"));
            Assert.That(rules, Does.Contain("slo:error_ratio:rate6h{service=\\\"checkout\\\",objective=\\\"a\\\",signal=\\\"reliability\\\"} > 0.006"));
            Assert.That(rules, Does.Contain("slo:error_ratio:rate3d{service=\\\"checkout\\\",objective=\\\"a\\\",signal=\\\"reliability\\\"} > 0.001"));
            Assert.That(rules, Does.Contain("expr: \"sum(rate(e_total[5m])) / sum(rate(r_total[5m]))\""));
            Assert.That(rules, Does.Contain("team: \"payments\""), "definition labels go onto the alerts");
            Assert.That(rules, Does.Not.Contain("slo:events:increase"), "no guard without minEvents");
        });
    }

    [Test]
    public void Generate_GoodLatencyAndGuard_UseComplementAndBucketSpellings()
    {
        var rules = Generate("""
              - name: lat
                target: 99
                window: 30d
                indicator: { latency: { histogram: h_seconds, selector: '{job="x"}', threshold: 1s } }
                alerting:
                  minEvents: 100
                  tiers: [ { severity: page, budgetConsumed: 0.02, longWindow: 1h, shortWindow: 5m }, { severity: ticket, budgetConsumed: 0.1, longWindow: 3d, shortWindow: 6h, enabled: false } ]
            """);
        Assert.Multiple(() =>
        {
            Assert.That(rules, Does.Contain("1 - sum(rate(h_seconds_bucket{job=\\\"x\\\",le=~\\\"1|1\\\\\\\\.0\\\"}[1h])) / sum(rate(h_seconds_count{job=\\\"x\\\"}[1h]))"));
            Assert.That(rules, Does.Contain("slo:events:increase1h{service=\\\"checkout\\\",objective=\\\"lat\\\",signal=\\\"performance\\\"} >= 100"));
            Assert.That(rules, Does.Contain("> 0.144"), "14.4 x 0.01");
            Assert.That(rules, Does.Not.Contain("rate3d"), "a switched-off tier has no rules");
        });
    }
}
