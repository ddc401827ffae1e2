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
}
