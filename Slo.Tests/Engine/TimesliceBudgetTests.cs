using Slo.Engine.Budgets;

namespace Slo.Tests.Engine;

[TestFixture]
public class TimesliceBudgetTests
{
    [Test]
    public void ClassifySlices_MixedSlices_CountsGoodAndBadAndSkipsEmpty()
    {
        EventCounts[] slices =
        [
            EventCounts.FromTotalAndBad(100, 0),
            EventCounts.FromTotalAndBad(100, 1),   // 99%: meets a 0.99 slice target exactly
            EventCounts.FromTotalAndBad(100, 2),   // 98%: bad
            EventCounts.Empty,                     // no traffic: neither
            EventCounts.FromTotalAndBad(10, 10),   // all bad
        ];
        var counts = TimesliceBudget.ClassifySlices(slices, 0.99);
        Assert.That(counts.Good, Is.EqualTo(2));
        Assert.That(counts.Bad, Is.EqualTo(2));
    }

    [Test]
    public void ClassifySlices_AllEmpty_HasNoData() =>
        Assert.That(TimesliceBudget.ClassifySlices([EventCounts.Empty, EventCounts.Empty], 0.9).IsEmpty, Is.True);

    [Test]
    public void ClassifySlices_ZeroSliceTarget_Throws() =>
        Assert.That(() => TimesliceBudget.ClassifySlices([], 0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("sliceTarget"));

    [Test]
    public void AverageSlices_QuietAndBusySlices_WeighTheSame()
    {
        EventCounts[] slices =
        [
            EventCounts.FromTotalAndBad(10_000, 100), // 99% good, busy
            EventCounts.FromTotalAndBad(10, 5),       // 50% good, quiet
            EventCounts.Empty,                        // no traffic: neither
        ];
        var counts = TimesliceBudget.AverageSlices(slices);
        Assert.Multiple(() =>
        {
            Assert.That(counts.Total, Is.EqualTo(2), "slices with events");
            Assert.That(counts.Bad, Is.EqualTo(0.01 + 0.5).Within(1e-12), "the sum of the slices' bad ratios");
            Assert.That(counts.Good / counts.Total, Is.EqualTo((0.99 + 0.5) / 2).Within(1e-12), "the mean good ratio");
        });
    }

    [Test]
    public void AverageSlices_AllEmpty_HasNoData() =>
        Assert.That(TimesliceBudget.AverageSlices([EventCounts.Empty]).IsEmpty, Is.True);
}
