using Slo.Engine.Budgets;

namespace Slo.Tests.Engine;

[TestFixture]
public class BudgetRunOutTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 1, 0, 0);

    private static Instant Hour(int h) => T0 + Duration.FromHours(h);

    [Test]
    public void Find_CrossedZero_IsBetweenLastBudgetAndFirstSpentEvaluation()
    {
        var runOut = BudgetRunOut.Find([(Hour(0), 0.4), (Hour(1), 0.1), (Hour(2), -0.05), (Hour(3), -0.418)]);
        Assert.That(runOut, Is.EqualTo(new BudgetRunOut(Hour(2), Hour(1))));
    }

    [Test]
    public void Find_EverySampleSpent_RanOutByTheOldestWithoutLowerBound()
    {
        var runOut = BudgetRunOut.Find([(Hour(5), -1.0), (Hour(3), -1.0), (Hour(4), -0.9)]);
        Assert.That(runOut, Is.EqualTo(new BudgetRunOut(Hour(3), null)));
    }

    [Test]
    public void Find_BudgetLeftNow_IsNull() =>
        Assert.That(BudgetRunOut.Find([(Hour(0), -0.2), (Hour(1), 0.05)]), Is.Null);

    [Test]
    public void Find_RecoveredThenSpentAgain_TakesTheLatestCrossing()
    {
        var runOut = BudgetRunOut.Find([(Hour(0), 0.2), (Hour(1), -0.1), (Hour(2), 0.01), (Hour(3), -0.02)]);
        Assert.That(runOut, Is.EqualTo(new BudgetRunOut(Hour(3), Hour(2))));
    }

    [Test]
    public void Find_EvaluationsWithoutNumbers_AreSkipped()
    {
        var runOut = BudgetRunOut.Find([(Hour(0), 0.3), (Hour(1), null), (Hour(2), null), (Hour(3), -0.1), (Hour(4), null)]);
        Assert.That(runOut, Is.EqualTo(new BudgetRunOut(Hour(3), Hour(0))));
    }

    [Test]
    public void Find_ExactlySpent_CountsAsRunOut() =>
        Assert.That(BudgetRunOut.Find([(Hour(0), 0.5), (Hour(1), 0.0)]), Is.EqualTo(new BudgetRunOut(Hour(1), Hour(0))));

    [Test]
    public void Find_NothingKnown_IsNull() =>
        Assert.That(BudgetRunOut.Find([(Hour(0), null)]), Is.Null);
}
