using Slo.Engine.Alerting;
using Slo.Engine.Budgets;

namespace Slo.Tests.Engine;

[TestFixture]
public class AlertPolicyTests
{
    private static readonly Target ThreeNines = Target.FromPercent(99.9);
    private static readonly Duration Period = Duration.FromDays(30);

    private static Dictionary<Duration, EventCounts> Counts(double total, double badRatio, params (Duration Window, double BadRatio)[] overrides)
    {
        var counts = AlertPolicy.Default.RequiredWindows().ToDictionary(w => w, _ => EventCounts.FromTotalAndBad(total, total * badRatio));
        foreach (var (window, ratio) in overrides)
            counts[window] = EventCounts.FromTotalAndBad(total, total * ratio);
        return counts;
    }

    [Test]
    public void Evaluate_FastBurnOnBothWindows_FiresFirstPage()
    {
        // 2% errors against a 0.1% budget is a burn rate of 20 everywhere: above every factor.
        var result = AlertPolicy.Default.Evaluate(Period, ThreeNines, Counts(10_000, 0.02));
        Assert.That(result.Select(r => r.Firing), Is.All.True);
        Assert.That(result[0].LongBurnRate, Is.EqualTo(20).Within(1e-9));
    }

    [Test]
    public void Evaluate_BurnEndedInShortWindow_StopsFiring()
    {
        var counts = Counts(10_000, 0.02, (Duration.FromMinutes(5), 0.0));
        var result = AlertPolicy.Default.Evaluate(Period, ThreeNines, counts);
        Assert.That(result[0].Firing, Is.False, "the 1h/5m page needs the 5m window burning too");
        Assert.That(result[1].Firing, Is.True, "the 6h/30m page still sees the burn");
    }

    [Test]
    public void Evaluate_SlowBurn_FiresOnlyTheSlowTicket()
    {
        // 0.15% errors: burn rate 1.5, above the 3d/6h factor of 1 but below 3, 6 and 14.4.
        var result = AlertPolicy.Default.Evaluate(Period, ThreeNines, Counts(10_000, 0.0015));
        Assert.That(result.Select(r => r.Firing), Is.EqualTo(new[] { false, false, false, true }));
    }

    [Test]
    public void Evaluate_TooFewEventsInLongWindow_DoesNotFire()
    {
        var policy = new AlertPolicy(AlertTier.Defaults, minEvents: 100);
        var result = policy.Evaluate(Period, ThreeNines, Counts(50, 0.5));
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(r => r.Firing), Is.All.False);
            Assert.That(result.Select(r => r.EnoughEvents), Is.All.False);
            Assert.That(result[0].LongBurnRate, Is.EqualTo(500).Within(1e-9), "the rate is still reported");
        });
    }

    [Test]
    public void Evaluate_DisabledTier_NeverFires()
    {
        var tiers = AlertTier.Defaults.Select(t => t.Severity == Severity.Ticket ? new AlertTier(t.Severity, t.BudgetConsumed, t.LongWindow, t.ShortWindow, enabled: false) : t).ToArray();
        var result = new AlertPolicy(tiers, 0).Evaluate(Period, ThreeNines, Counts(10_000, 0.02));
        Assert.That(result.Select(r => r.Firing), Is.EqualTo(new[] { true, true, false, false }));
    }

    [Test]
    public void Evaluate_MissingWindow_CannotFire()
    {
        var result = AlertPolicy.Default.Evaluate(Period, ThreeNines, new Dictionary<Duration, EventCounts>());
        Assert.That(result.Select(r => r.Firing), Is.All.False);
        Assert.That(result[0].LongBurnRate, Is.Null);
    }

    [Test]
    public void Evaluate_CalendarPeriodOf28Days_ScalesFactor()
    {
        var result = AlertPolicy.Default.Evaluate(Duration.FromDays(28), ThreeNines, Counts(10_000, 0.0));
        Assert.That(result[0].Factor, Is.EqualTo(13.44).Within(1e-9));
    }

    [Test]
    public void RequiredWindows_CustomTier_AddsItsWindows()
    {
        var policy = new AlertPolicy([new AlertTier(Severity.Page, 0.02, Duration.FromHours(12), Duration.FromMinutes(45))], 0);
        Assert.That(policy.RequiredWindows(), Does.Contain(Duration.FromHours(12)).And.Contain(Duration.FromMinutes(45)).And.Contain(Duration.FromDays(3)));
    }

    [Test]
    public void Constructor_DuplicateTier_Throws() =>
        Assert.That(() => new AlertPolicy([AlertTier.Defaults[0], AlertTier.Defaults[0]], 0), Throws.ArgumentException.With.Message.Contains("page-1h-5m"));
}
