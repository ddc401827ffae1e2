using Slo.Engine.Budgets;

namespace Slo.Tests.Engine;

[TestFixture]
public class ErrorBudgetTests
{
    private static readonly Target ThreeNines = Target.FromPercent(99.9);

    [Test]
    public void FromEvents_DesignExample_MatchesContract()
    {
        var budget = ErrorBudget.FromEvents(ThreeNines, EventCounts.FromTotalAndBad(100_000, 69))!;
        Assert.Multiple(() =>
        {
            Assert.That(budget.Allowed, Is.EqualTo(0.001));
            Assert.That(budget.Consumed, Is.EqualTo(0.69).Within(1e-12));
            Assert.That(budget.Remaining, Is.EqualTo(0.31).Within(1e-12));
            Assert.That(budget.RemainingEvents, Is.EqualTo(31).Within(1e-9));
        });
    }

    [Test]
    public void FromEvents_Overspent_GoesNegativeWithoutClamping()
    {
        var budget = ErrorBudget.FromEvents(ThreeNines, EventCounts.FromTotalAndBad(100_000, 142))!;
        Assert.Multiple(() =>
        {
            Assert.That(budget.Consumed, Is.EqualTo(1.42).Within(1e-12));
            Assert.That(budget.Remaining, Is.EqualTo(-0.42).Within(1e-12));
            Assert.That(budget.RemainingEvents, Is.EqualTo(-42).Within(1e-9));
        });
    }

    [Test]
    public void FromEvents_NoEvents_IsNullNotFull() =>
        Assert.That(ErrorBudget.FromEvents(ThreeNines, EventCounts.Empty), Is.Null);

    [Test]
    public void FromEvents_AllGood_LeavesWholeBudget()
    {
        var budget = ErrorBudget.FromEvents(ThreeNines, EventCounts.FromTotalAndGood(5_000, 5_000))!;
        Assert.That(budget.Remaining, Is.EqualTo(1));
        Assert.That(budget.RemainingEvents, Is.EqualTo(5).Within(1e-9));
    }

    [Test]
    public void FromTotalAndGood_GoodAboveTotalFromExtrapolation_KeepsBadAtZero()
    {
        var counts = EventCounts.FromTotalAndGood(1000, 1000.4);
        Assert.That(counts.Bad, Is.EqualTo(0));
        Assert.That(counts.Total, Is.EqualTo(1000));
    }

    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void FromTotalAndBad_InvalidCount_Throws(double total) =>
        Assert.That(() => EventCounts.FromTotalAndBad(total, 0), Throws.TypeOf<ArgumentOutOfRangeException>());

    [Test]
    public void ForecastExhaustion_RemainingAndBurn_IsRemainingTimesPeriodOverRate()
    {
        var at = Instant.FromUtc(2026, 11, 1, 0, 0);
        var budget = new ErrorBudget(0.001, 0.5, 0.5, 50);
        var exhausts = budget.ForecastExhaustion(at, Duration.FromDays(30), 2.0, at + Duration.FromDays(3650));
        Assert.That(exhausts, Is.EqualTo(at + Duration.FromDays(7.5)));
    }

    [Test]
    public void ForecastExhaustion_NothingBurning_IsNull()
    {
        var at = Instant.FromUtc(2026, 11, 1, 0, 0);
        var budget = new ErrorBudget(0.001, 0.5, 0.5, 50);
        Assert.Multiple(() =>
        {
            Assert.That(budget.ForecastExhaustion(at, Duration.FromDays(30), 0, at + Duration.FromDays(3650)), Is.Null);
            Assert.That(budget.ForecastExhaustion(at, Duration.FromDays(30), null, at + Duration.FromDays(3650)), Is.Null);
        });
    }

    [Test]
    public void ForecastExhaustion_AlreadyOverspent_IsNull()
    {
        var at = Instant.FromUtc(2026, 11, 1, 0, 0);
        var budget = new ErrorBudget(0.001, 1.2, -0.2, -20);
        Assert.That(budget.ForecastExhaustion(at, Duration.FromDays(30), 5, at + Duration.FromDays(3650)), Is.Null);
    }

    [Test]
    public void ForecastExhaustion_BeyondHorizon_IsNull()
    {
        var at = Instant.FromUtc(2026, 11, 1, 0, 0);
        var budget = new ErrorBudget(0.001, 0.5, 0.5, 50);
        Assert.That(budget.ForecastExhaustion(at, Duration.FromDays(30), 1, at + Duration.FromDays(10)), Is.Null);
    }
}
