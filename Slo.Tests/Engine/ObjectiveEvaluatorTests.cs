using Slo.Engine;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Windows;

namespace Slo.Tests.Engine;

[TestFixture]
public class ObjectiveEvaluatorTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 24, 8, 0);

    [Test]
    public void Evaluate_SteadyErrors_GivesSliBudgetAndBurnRates()
    {
        var status = ObjectiveEvaluator.Evaluate(TestObjectives.Availability(), At, TestObjectives.Steady(100_000, 0.0005));
        Assert.Multiple(() =>
        {
            Assert.That(status.State, Is.EqualTo(ObjectiveState.Ok));
            Assert.That(status.Signal, Is.EqualTo(Signal.Reliability));
            Assert.That(status.Sli, Is.EqualTo(0.9995).Within(1e-12));
            Assert.That(status.Budget!.Remaining, Is.EqualTo(0.5).Within(1e-9));
            Assert.That(status.BurnRates[Duration.FromHours(1)], Is.EqualTo(0.5).Within(1e-9));
            Assert.That(status.BurnRates, Has.Count.EqualTo(7));
            Assert.That(status.Window.Start, Is.EqualTo(At - Duration.FromDays(30)));
            // Remaining 0.5 of a 30d budget at burn 0.5 lasts 30 more days.
            Assert.That(status.ExhaustsAt, Is.EqualTo(At + Duration.FromDays(30)));
            Assert.That(status.Alerts.Select(a => a.Firing), Is.All.False);
        });
    }

    [Test]
    public void Evaluate_NoEvents_IsNoDataWithoutSliOrBudget()
    {
        var status = ObjectiveEvaluator.Evaluate(TestObjectives.Availability(), At, TestObjectives.Steady(0, 0));
        Assert.Multiple(() =>
        {
            Assert.That(status.State, Is.EqualTo(ObjectiveState.NoData));
            Assert.That(status.Sli, Is.Null);
            Assert.That(status.Budget, Is.Null);
            Assert.That(status.ExhaustsAt, Is.Null);
        });
    }

    [Test]
    public void Evaluate_LatencyObjective_CarriesPerformanceSignal()
    {
        var status = ObjectiveEvaluator.Evaluate(TestObjectives.Latency(), At, TestObjectives.Steady(1000, 0.02));
        Assert.That(status.Signal, Is.EqualTo(Signal.Performance));
        Assert.That(status.Budget!.Remaining, Is.EqualTo(-1).Within(1e-9));
    }

    [Test]
    public void Evaluate_CalendarWindow_ForecastStopsAtPeriodEnd()
    {
        var objective = TestObjectives.Availability(window: CalendarWindow.Month(DateTimeZone.Utc));
        // Burn 0.5 with half the budget left lasts about a month: past November's end, when the budget resets.
        var status = ObjectiveEvaluator.Evaluate(objective, At, TestObjectives.Steady(100_000, 0.0005));
        Assert.That(status.ExhaustsAt, Is.Null);
        Assert.That(status.Window.Start, Is.EqualTo(Instant.FromUtc(2026, 11, 1, 0, 0)));
    }

    [Test]
    public void Evaluate_Timeslices_ComputesSliFromSlices()
    {
        var objective = TestObjectives.Availability(targetPercent: 75, budgeting: new TimeslicesBudgeting(0.99, Duration.FromMinutes(1)));
        var measurement = TestObjectives.Steady(400, 0.01) with
        {
            Slices = [EventCounts.FromTotalAndBad(100, 0), EventCounts.FromTotalAndBad(100, 0), EventCounts.FromTotalAndBad(100, 0), EventCounts.FromTotalAndBad(100, 4)],
        };
        var status = ObjectiveEvaluator.Evaluate(objective, At, measurement);
        Assert.Multiple(() =>
        {
            Assert.That(status.Sli, Is.EqualTo(0.75).Within(1e-12));
            Assert.That(status.Slices!.Value.Bad, Is.EqualTo(1));
            Assert.That(status.Budget!.Remaining, Is.EqualTo(0).Within(1e-9));
            Assert.That(status.Events!.Value.Total, Is.EqualTo(400), "event counts are still reported");
        });
    }

    [Test]
    public void MarkStale_Evaluated_KeepsNumbersAndInstant()
    {
        var status = ObjectiveEvaluator.Evaluate(TestObjectives.Availability(), At, TestObjectives.Steady(100_000, 0.0005));
        var stale = status.MarkStale("Prometheus unreachable");
        Assert.Multiple(() =>
        {
            Assert.That(stale.State, Is.EqualTo(ObjectiveState.Stale));
            Assert.That(stale.Budget, Is.EqualTo(status.Budget));
            Assert.That(stale.EvaluatedAt, Is.EqualTo(At));
            Assert.That(stale.Message, Is.EqualTo("Prometheus unreachable"));
        });
    }

    [Test]
    public void MarkStale_NeverEvaluated_StaysError()
    {
        var failed = ObjectiveStatus.Failed(TestObjectives.Availability(), At, "timeout");
        Assert.That(failed.MarkStale("still down").State, Is.EqualTo(ObjectiveState.Error));
    }

    [Test]
    public void Evaluate_RatioTimeslices_BudgetsTheMeanOfTheSlicesRatios()
    {
        // OpenSLO's RatioTimeslices: SLI = mean of the slices' good ratios, so a bad quiet slice weighs as much as a busy one.
        var objective = TestObjectives.Availability(targetPercent: 99, window: new RollingWindow(Duration.FromHours(1)),
            budgeting: new RatioTimeslicesBudgeting(Duration.FromMinutes(30)));
        var measurement = TestObjectives.Steady(10_010, 0) with
        {
            Slices = [EventCounts.FromTotalAndBad(10_000, 0), EventCounts.FromTotalAndBad(10, 1)],
        };
        var status = ObjectiveEvaluator.Evaluate(objective, At, measurement);
        Assert.Multiple(() =>
        {
            Assert.That(status.Sli, Is.EqualTo((1.0 + 0.9) / 2).Within(1e-12));
            Assert.That(status.Slices!.Value.Total, Is.EqualTo(2));
            // Allowed 1% per slice on average; 5% is spent: five budgets.
            Assert.That(status.Budget!.Consumed, Is.EqualTo(5).Within(1e-9));
        });
    }
}
