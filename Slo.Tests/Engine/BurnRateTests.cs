using Slo.Engine.Alerting;
using Slo.Engine.Budgets;

namespace Slo.Tests.Engine;

[TestFixture]
public class BurnRateTests
{
    // The SRE Workbook's table (chapter 5) at 30 days, and the same tiers scaled to a 28-day period.
    private static readonly object[] WorkbookFactors =
    [
        new object[] { 30, 0, 14.4 },
        new object[] { 30, 1, 6.0 },
        new object[] { 30, 2, 3.0 },
        new object[] { 30, 3, 1.0 },
        new object[] { 28, 0, 13.44 },
        new object[] { 28, 1, 5.6 },
        new object[] { 28, 2, 2.8 },
        new object[] { 28, 3, 0.9333333 },
    ];

    [TestCaseSource(nameof(WorkbookFactors))]
    public void Factor_DefaultTier_ReproducesWorkbookTable(int periodDays, int tierIndex, double expected)
    {
        var tier = AlertTier.Defaults[tierIndex];
        Assert.That(tier.Factor(Duration.FromDays(periodDays)), Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void Compute_BadRatioTwiceAllowed_IsTwo()
    {
        var rate = BurnRate.Compute(Target.FromPercent(99.9), EventCounts.FromTotalAndBad(10_000, 20));
        Assert.That(rate, Is.EqualTo(2.0).Within(1e-12));
    }

    [Test]
    public void Compute_NoEvents_IsNull() =>
        Assert.That(BurnRate.Compute(Target.FromPercent(99.9), EventCounts.Empty), Is.Null);

    [Test]
    public void Factor_ZeroShare_Throws() =>
        Assert.That(() => BurnRate.Factor(0, Duration.FromDays(30), Duration.FromHours(1)),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("budgetConsumed"));

    [Test]
    public void AlertTier_ShortNotShorterThanLong_Throws() =>
        Assert.That(() => new AlertTier(Severity.Page, 0.02, Duration.FromHours(1), Duration.FromHours(1)),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("shortWindow"));

    [Test]
    public void AlertTier_Key_NamesSeverityAndWindows() =>
        Assert.That(AlertTier.Defaults.Select(t => t.Key), Is.EqualTo(new[] { "page-1h-5m", "page-6h-30m", "ticket-1d-2h", "ticket-3d-6h" }));
}
