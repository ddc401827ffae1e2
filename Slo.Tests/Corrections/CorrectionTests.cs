using Slo.Engine.Budgets;
using Slo.Engine.Corrections;
using Slo.Engine.Definitions;

namespace Slo.Tests.Corrections;

[TestFixture]
public class CorrectionTests
{
    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    private static Correction Weekly(string rule = "FREQ=WEEKLY;BYDAY=SU", int hours = 2) => new()
    {
        Id = "t",
        Service = "checkout",
        Start = new LocalDateTime(2026, 1, 4, 2, 0),
        Length = Period.FromHours(hours),
        Zone = Berlin,
        Recurrence = rule,
    };

    private static Interval Utc(int month, int day, int fromHour, int toHour) =>
        new(Instant.FromUtc(2026, month, day, fromHour, 0), Instant.FromUtc(2026, month, day, toHour, 0));

    [Test]
    public void Occurrences_WeeklyInBerlinAcrossTheAutumnChange_CoverTheLocalHours()
    {
        // 25 October 2026: 03:00 CEST becomes 02:00 CET, so local 02:00-04:00 is three hours that night.
        var occurrences = Weekly().Occurrences(Instant.FromUtc(2026, 10, 12, 0, 0), Instant.FromUtc(2026, 11, 9, 0, 0)).ToArray();
        Assert.That(occurrences, Is.EqualTo(new[] { Utc(10, 18, 0, 2), Utc(10, 25, 0, 3), Utc(11, 1, 1, 3), Utc(11, 8, 1, 3) }));
    }

    [Test]
    public void Occurrences_WeeklyInBerlinAcrossTheSpringChange_CoverOnlyTheHourThatExists()
    {
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST; local 02:00-04:00 exists only from 03:00 to 04:00 CEST.
        var occurrences = Weekly().Occurrences(Instant.FromUtc(2026, 3, 21, 0, 0), Instant.FromUtc(2026, 4, 6, 0, 0)).ToArray();
        Assert.That(occurrences, Is.EqualTo(new[] { Utc(3, 22, 1, 3), Utc(3, 29, 1, 2), Utc(4, 5, 0, 2) }));
    }

    [Test]
    public void Occurrences_StartedBeforeTheRange_AreIncludedWhenTheyReachIntoIt()
    {
        var occurrences = Weekly().Occurrences(Instant.FromUtc(2026, 10, 18, 1, 0), Instant.FromUtc(2026, 10, 18, 1, 30)).ToArray();
        Assert.That(occurrences, Is.EqualTo(new[] { Utc(10, 18, 0, 2) }));
    }

    [Test]
    public void Occurrences_BeforeTheFirstStart_AreNone() =>
        Assert.That(Weekly().Occurrences(Instant.FromUtc(2025, 12, 1, 0, 0), Instant.FromUtc(2026, 1, 4, 0, 0)), Is.Empty);

    [Test]
    public void Occurrences_SinglePeriod_IsItsOwnInterval()
    {
        var once = Weekly() with { Recurrence = null, Start = new LocalDateTime(2026, 10, 25, 2, 0) };
        Assert.That(once.Occurrences(Instant.FromUtc(2026, 10, 1, 0, 0), Instant.FromUtc(2026, 11, 1, 0, 0)), Is.EqualTo(new[] { Utc(10, 25, 0, 3) }));
        Assert.That(once.Occurrences(Instant.FromUtc(2026, 10, 25, 3, 0), Instant.FromUtc(2026, 11, 1, 0, 0)), Is.Empty, "ends where the range starts");
    }

    [TestCase("RRULE:FREQ=DAILY", "without the 'RRULE:' prefix")]
    [TestCase("FREQ=SOMETIMES", "not an RFC 5545 recurrence rule")]
    [TestCase("FREQ=WEEKLY;BYDAY=XX", "not an RFC 5545 recurrence rule")]
    [TestCase("FREQ=MINUTELY", "at most hourly")]
    public void CheckRecurrence_BadRule_SaysWhy(string rule, string why) =>
        Assert.That(Correction.CheckRecurrence(rule), Does.Contain(why));

    [Test]
    public void AppliesTo_NamedObjectivesOnly_OrTheWholeService()
    {
        var some = Weekly() with { Objectives = ["availability"] };
        Assert.Multiple(() =>
        {
            Assert.That(some.AppliesTo(new ObjectiveId("checkout", "availability")), Is.True);
            Assert.That(some.AppliesTo(new ObjectiveId("checkout", "latency")), Is.False);
            Assert.That(Weekly().AppliesTo(new ObjectiveId("checkout", "latency")), Is.True);
            Assert.That(Weekly().AppliesTo(new ObjectiveId("search", "latency")), Is.False);
        });
    }
}

[TestFixture]
public class ExclusionsTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 1, 0, 0);

    private static Instant At(int minutes) => T0 + Duration.FromMinutes(minutes);

    // One event a minute, every tenth bad: a sum is exact for any stretch.
    private static EventCounts Sum(Instant from, Instant to)
    {
        var minutes = (to - from).TotalMinutes;
        return EventCounts.FromTotalAndBad(minutes, minutes / 10);
    }

    [Test]
    public void Split_KeptAndExcluded_AddUpToTheWhole()
    {
        var exclusions = Exclusions.Of([new Interval(At(10), At(20)), new Interval(At(15), At(30)), new Interval(At(50), At(55))]);
        var (kept, excluded) = exclusions.Split(Sum, At(0), At(60));
        Assert.Multiple(() =>
        {
            Assert.That(exclusions.Periods, Has.Count.EqualTo(2), "overlapping periods merge");
            Assert.That(excluded.Total, Is.EqualTo(25).Within(1e-9));
            Assert.That(kept.Total, Is.EqualTo(35).Within(1e-9));
            Assert.That(kept.Bad + excluded.Bad, Is.EqualTo(6).Within(1e-9));
        });
    }

    [Test]
    public void Split_RangeInsideAPeriod_KeepsNothing()
    {
        var (kept, excluded) = Exclusions.Of([new Interval(At(0), At(100))]).Split(Sum, At(10), At(20));
        Assert.That(kept.IsEmpty, Is.True);
        Assert.That(excluded.Total, Is.EqualTo(10).Within(1e-9));
    }

    [Test]
    public void Covers_IsTrueInsideOnly()
    {
        var exclusions = Exclusions.Of([new Interval(At(10), At(20))]);
        Assert.That(new[] { 9, 10, 19, 20 }.Select(m => exclusions.Covers(At(m))), Is.EqualTo(new[] { false, true, true, false }));
    }
}
