using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Ledger;
using Slo.Engine.Windows;

namespace Slo.Tests.Engine;

[TestFixture]
public class LedgerLayoutTests
{
    private static Objective Calendar(string zone) =>
        TestObjectives.Availability(window: CalendarWindow.Week(DateTimeZoneProviders.Tzdb[zone]));

    [Test]
    public void For_RollingWindowWithFineMinute_HasHourFiveMinuteAndMinuteBuckets()
    {
        var layout = LedgerLayout.For(TestObjectives.Availability(), Duration.FromMinutes(1), Instant.FromUtc(2026, 11, 26, 0, 0));
        Assert.Multiple(() =>
        {
            Assert.That(layout.Describe(), Is.EqualTo("3600,300,60"));
            Assert.That(layout.Spans, Is.EqualTo(new[] { Duration.FromDays(3) + Duration.FromHours(1), Duration.FromHours(7) }));
        });
    }

    [Test]
    public void For_FineFiveMinutes_HasNoMinuteBuckets() =>
        Assert.That(LedgerLayout.For(TestObjectives.Availability(), Duration.FromMinutes(5), Instant.FromUtc(2026, 11, 26, 0, 0)).Describe(), Is.EqualTo("3600,300"));

    [TestCase("Asia/Kathmandu", "900,300,60")]
    [TestCase("Asia/Kolkata", "1800,300,60")]
    [TestCase("Australia/Lord_Howe", "1800,300,60")]
    [TestCase("Europe/Berlin", "3600,300,60")]
    public void For_CalendarInZone_CoarseBucketsDivideEveryOffset(string zone, string expected) =>
        Assert.That(LedgerLayout.For(Calendar(zone), Duration.FromMinutes(1), Instant.FromUtc(2026, 11, 26, 0, 0)).Describe(), Is.EqualTo(expected));

    [TestCase(10, "600,300,60")]
    [TestCase(7, "60")]
    public void For_Timeslices_EveryBucketDividesTheSlice(int sliceMinutes, string expected)
    {
        var objective = TestObjectives.Availability(budgeting: new TimeslicesBudgeting(0.99, Duration.FromMinutes(sliceMinutes)));
        Assert.That(LedgerLayout.For(objective, Duration.FromMinutes(1), Instant.FromUtc(2026, 11, 26, 0, 0)).Describe(), Is.EqualTo(expected));
    }

    [Test]
    public void Constructor_FinerBucketNotDividingCoarser_Throws() =>
        Assert.That(() => new LedgerLayout([Duration.FromMinutes(5), Duration.FromMinutes(2)], [Duration.FromHours(1)]),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("divides the coarser"));
}

[TestFixture]
public class EventLedgerTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 26, 12, 0);
    private static readonly LedgerLayout Layout = LedgerLayout.For(TestObjectives.Availability(), Duration.FromMinutes(1), Now);

    /// <summary>Every minute holds 60 events, 6 of them bad; a bucket holds its length's share.</summary>
    private static EventCounts Steady(LedgerRange range, int _) =>
        EventCounts.FromTotalAndBad(60 * range.Bucket.TotalMinutes, 6 * range.Bucket.TotalMinutes);

    private static EventLedger Filled(Instant at, Instant needFrom, Func<LedgerRange, int, EventCounts>? counts = null)
    {
        var ledger = new EventLedger(Layout);
        Apply(ledger, at, needFrom, counts);
        return ledger;
    }

    private static IReadOnlyList<LedgerRange> Apply(EventLedger ledger, Instant at, Instant needFrom, Func<LedgerRange, int, EventCounts>? counts = null)
    {
        ledger.PrepareFor(at, needFrom);
        var plan = ledger.Plan(needFrom, at, at - Duration.FromMinutes(5));
        foreach (var range in plan)
            ledger.Write(range, Enumerable.Range(0, range.Buckets).Select(i => (counts ?? Steady)(range, i)).ToArray());
        return plan;
    }

    [Test]
    public void Plan_Empty_FetchesEachAgeInItsBucketLength()
    {
        var plan = new EventLedger(Layout).Plan(Now - Duration.FromDays(30), Now + Duration.FromSeconds(42), Now);
        Assert.That(plan, Is.EqualTo(new[]
        {
            new LedgerRange(Now - Duration.FromDays(30), Now - Duration.FromDays(3) - Duration.FromHours(1), Duration.FromHours(1), 0),
            new LedgerRange(Now - Duration.FromDays(3) - Duration.FromHours(1), Now - Duration.FromHours(7), Duration.FromMinutes(5), 1),
            new LedgerRange(Now - Duration.FromHours(7), Now, Duration.FromMinutes(1), 2),
        }));
    }

    [Test]
    public void Sum_WholeBuckets_IsExactAtEveryAge()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30));
        Assert.Multiple(() =>
        {
            Assert.That(ledger.Sum(Now - Duration.FromDays(30), Now).Total, Is.EqualTo(60.0 * 43_200).Within(1e-6).Percent);
            Assert.That(ledger.Sum(Now - Duration.FromMinutes(5), Now).Bad, Is.EqualTo(30).Within(1e-9));
            Assert.That(ledger.Sum(Now - Duration.FromDays(10), Now - Duration.FromDays(9)).Total, Is.EqualTo(60.0 * 1440).Within(1e-6).Percent);
            Assert.That(ledger.KnownFrom, Is.EqualTo(Now - Duration.FromDays(30)));
            Assert.That(ledger.KnownTo, Is.EqualTo(Now));
        });
    }

    [Test]
    public void Sum_EdgeInsideAnHourlyBucket_CountsItsShare()
    {
        var at = Now - Duration.FromDays(10);
        var ledger = Filled(Now, Now - Duration.FromDays(30), (r, i) => r.From + r.Bucket * i == at ? EventCounts.FromTotalAndBad(600, 60) : EventCounts.Empty);
        Assert.That(ledger.Sum(at + Duration.FromMinutes(15), at + Duration.FromHours(2)).Total, Is.EqualTo(450).Within(1e-9));
    }

    [Test]
    public void Plan_NextCycle_RereadsOnlyUnsettledAndNewMinutes()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30));
        var later = Now + Duration.FromMinutes(2) + Duration.FromSeconds(30);
        ledger.PrepareFor(later, later - Duration.FromDays(60));
        var plan = ledger.Plan(later - Duration.FromDays(30), later, later - Duration.FromMinutes(5));
        Assert.That(plan, Is.EqualTo(new[] { new LedgerRange(Now - Duration.FromMinutes(3), Now + Duration.FromMinutes(2), Duration.FromMinutes(1), 2) }));
    }

    [Test]
    public void Compact_HoursLater_MergesAgedBucketsAndKeepsEveryCount()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30));
        var before = ledger.BucketCount;
        var later = Now + Duration.FromHours(2);
        Apply(ledger, later, later - Duration.FromDays(30));
        Assert.Multiple(() =>
        {
            Assert.That(ledger.Sum(Now - Duration.FromDays(29), later).Total, Is.EqualTo(60.0 * (29 * 1440 + 120)).Within(1e-6).Percent);
            Assert.That(ledger.BucketCount, Is.LessThan(before + 120), "aged minutes became 5-minute buckets, aged 5-minute ones hours");
            Assert.That(ledger.KnownFrom, Is.EqualTo(later - Duration.FromDays(30)), "what fell out of the retained span is gone");
        });
    }

    [Test]
    public void PrepareFor_AfterAStopLongerThanTheFineSpan_ContinuesInCoarserBuckets()
    {
        var ledger = Filled(Now - Duration.FromMinutes(2), Now - Duration.FromDays(30));
        var later = Now + Duration.FromHours(12);
        var plan = Apply(ledger, later, later - Duration.FromDays(30));
        Assert.Multiple(() =>
        {
            Assert.That(plan.Select(r => r.Bucket), Is.EqualTo(new[] { Duration.FromMinutes(5), Duration.FromMinutes(1) }));
            Assert.That(plan[0].From, Is.EqualTo(Now - Duration.FromMinutes(5)), "the leftover minutes of an unfinished 5-minute bucket are fetched again");
            Assert.That(ledger.Sum(Now - Duration.FromDays(1), later).Total, Is.EqualTo(60.0 * (1440 + 720)).Within(1e-6).Percent);
        });
    }

    [Test]
    public void Compact_RetainFrom_DropsOlderBuckets()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30));
        ledger.Compact(Now, Now - Duration.FromDays(20) + Duration.FromMinutes(10));
        Assert.That(ledger.KnownFrom, Is.EqualTo(Now - Duration.FromDays(20)));
        Assert.That(ledger.Shrunk, Is.True);
    }

    [Test]
    public void Plan_NeedFromEarlier_ExtendsBackInHourlyBuckets()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30));
        var plan = ledger.Plan(Now - Duration.FromDays(60), Now, Now);
        Assert.That(plan, Is.EqualTo(new[] { new LedgerRange(Now - Duration.FromDays(60), Now - Duration.FromDays(30), Duration.FromHours(1), 0) }));
        ledger.Write(plan[0], Enumerable.Range(0, plan[0].Buckets).Select(i => Steady(plan[0], i)).ToArray());
        Assert.That(ledger.Sum(Now - Duration.FromDays(60), Now).Total, Is.EqualTo(60.0 * 86_400).Within(1e-6).Percent);
    }

    [Test]
    public void Write_LeavingAHole_Throws()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30));
        var range = new LedgerRange(Now + Duration.FromMinutes(3), Now + Duration.FromMinutes(4), Duration.FromMinutes(1), 2);
        Assert.That(() => ledger.Write(range, [EventCounts.Empty]), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("hole"));
    }

    [Test]
    public void Restore_FromItsChunks_GivesTheSameSums()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30), (r, i) => EventCounts.FromTotalAndBad(i % 7 + r.Bucket.TotalMinutes, i % 3));
        var restored = EventLedger.Restore(Layout, ledger.TakeDirtyChunks());
        Assert.That(restored, Is.Not.Null);
        foreach (var days in new[] { 30, 3, 1 })
            Assert.That(restored!.Sum(Now - Duration.FromDays(days), Now), Is.EqualTo(ledger.Sum(Now - Duration.FromDays(days), Now)));
        Assert.That(restored!.TakeDirtyChunks(), Is.Empty, "nothing to store again");
    }

    [Test]
    public void Restore_ChunksWithAHole_IsNull()
    {
        var chunks = Filled(Now, Now - Duration.FromDays(30)).TakeDirtyChunks().Where(c => c.Tier != 1).ToArray();
        Assert.That(EventLedger.Restore(Layout, chunks), Is.Null);
    }

    [Test]
    public void TakeDirtyChunks_AfterARereadOfTheNewestMinutes_OnlyTheirChunk()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30));
        ledger.TakeDirtyChunks();
        Apply(ledger, Now + Duration.FromMinutes(1), Now - Duration.FromDays(30));
        Assert.That(ledger.TakeDirtyChunks().Select(c => c.Tier), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void Index_Sums_EqualTheLedgerWalkingItsBuckets()
    {
        var ledger = Filled(Now, Now - Duration.FromDays(30), (r, i) => EventCounts.FromTotalAndBad(i % 11 + r.Bucket.TotalMinutes, i % 4));
        using var index = ledger.Index();
        foreach (var (from, to) in new[]
                 {
                     (Now - Duration.FromDays(30), Now),
                     (Now - Duration.FromDays(12) + Duration.FromMinutes(17), Now - Duration.FromHours(5) + Duration.FromSeconds(10)),
                     (Now - Duration.FromMinutes(3), Now + Duration.FromHours(1)),
                     (Now - Duration.FromDays(40), Now - Duration.FromDays(29)),
                 })
        {
            var direct = ledger.Sum(from, to);
            Assert.That(index.Sum(from, to).Total, Is.EqualTo(direct.Total).Within(1e-6).Percent, $"[{from}, {to})");
            Assert.That(index.Sum(from, to).Bad, Is.EqualTo(direct.Bad).Within(1e-6).Percent, $"[{from}, {to})");
        }
    }

    [Test]
    public void Measure_TenMinuteSlices_SumTheirBuckets()
    {
        var objective = TestObjectives.Availability(window: new RollingWindow(Duration.FromDays(1)), budgeting: new TimeslicesBudgeting(0.99, Duration.FromMinutes(10)));
        var ledger = new EventLedger(LedgerLayout.For(objective, Duration.FromMinutes(1), Now));
        ledger.PrepareFor(Now, Now - Duration.FromDays(2));
        foreach (var range in ledger.Plan(Now - Duration.FromDays(2), Now, Now))
            ledger.Write(range, Enumerable.Range(0, range.Buckets).Select(i => Steady(range, i)).ToArray());
        var slices = LedgerMeasurement.Measure(objective, ledger, Now + Duration.FromSeconds(20)).Slices!;
        Assert.That(slices, Has.Count.EqualTo(144));
        Assert.That(slices.Select(s => s.Total), Is.All.EqualTo(600).Within(1e-6));
    }
}
