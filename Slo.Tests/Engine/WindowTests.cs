using Slo.Engine.Windows;

namespace Slo.Tests.Engine;

[TestFixture]
public class CalendarWindowTests
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    [Test]
    public void PeriodAt_NewYorkMonthStartingInDaylightTime_StartsAt0400Z()
    {
        var period = CalendarWindow.Month(NewYork).PeriodAt(Instant.FromUtc(2026, 4, 15, 12, 0));
        Assert.That(period.Start, Is.EqualTo(Instant.FromUtc(2026, 4, 1, 4, 0)));
        Assert.That(period.End, Is.EqualTo(Instant.FromUtc(2026, 5, 1, 4, 0)));
    }

    [Test]
    public void PeriodAt_NewYorkMonthStartingInStandardTime_StartsAt0500Z()
    {
        var period = CalendarWindow.Month(NewYork).PeriodAt(Instant.FromUtc(2026, 1, 20, 12, 0));
        Assert.That(period.Start, Is.EqualTo(Instant.FromUtc(2026, 1, 1, 5, 0)));
    }

    [Test]
    public void PeriodAt_NewYorkMarch_IsOneHourShortForTheSpringChange()
    {
        var period = CalendarWindow.Month(NewYork).PeriodAt(Instant.FromUtc(2026, 3, 20, 0, 0));
        Assert.Multiple(() =>
        {
            Assert.That(period.Start, Is.EqualTo(Instant.FromUtc(2026, 3, 1, 5, 0)));
            Assert.That(period.End, Is.EqualTo(Instant.FromUtc(2026, 4, 1, 4, 0)));
            Assert.That(period.Duration, Is.EqualTo(Duration.FromDays(31) - Duration.FromHours(1)));
        });
    }

    [Test]
    public void PeriodAt_NewYorkNovember_IsOneHourLongForTheAutumnChange()
    {
        var period = CalendarWindow.Month(NewYork).PeriodAt(Instant.FromUtc(2026, 11, 24, 8, 0));
        Assert.That(period.Start, Is.EqualTo(Instant.FromUtc(2026, 11, 1, 4, 0)));
        Assert.That(period.Duration, Is.EqualTo(Duration.FromDays(30) + Duration.FromHours(1)));
    }

    [Test]
    public void PeriodAt_InstantBeforeLocalMidnight_BelongsToPreviousMonth()
    {
        // 2026-05-01T03:30Z is still April 30th, 23:30 in New York.
        var period = CalendarWindow.Month(NewYork).PeriodAt(Instant.FromUtc(2026, 5, 1, 3, 30));
        Assert.That(period.Start, Is.EqualTo(Instant.FromUtc(2026, 4, 1, 4, 0)));
    }

    [Test]
    public void ElapsedAt_ExactlyAtPeriodStart_IsEmptyIntervalOfNewPeriod()
    {
        var at = Instant.FromUtc(2026, 4, 1, 4, 0);
        var elapsed = CalendarWindow.Month(NewYork).ElapsedAt(at);
        Assert.That(elapsed.Start, Is.EqualTo(at));
        Assert.That(elapsed.Duration, Is.EqualTo(Duration.Zero));
    }

    [Test]
    public void PeriodAt_Week_StartsOnIsoMonday()
    {
        // 2026-11-24 is a Tuesday; Berlin is at UTC+1 in November.
        var period = CalendarWindow.Week(Berlin).PeriodAt(Instant.FromUtc(2026, 11, 24, 10, 0));
        Assert.That(period.Start, Is.EqualTo(Instant.FromUtc(2026, 11, 22, 23, 0)));
        Assert.That(period.Start.InZone(Berlin).DayOfWeek, Is.EqualTo(IsoDayOfWeek.Monday));
    }

    [Test]
    public void PeriodAt_Quarter_StartsOnFirstMonthOfQuarter()
    {
        var period = CalendarWindow.Quarter(DateTimeZone.Utc).PeriodAt(Instant.FromUtc(2026, 11, 24, 10, 0));
        Assert.That(period.Start, Is.EqualTo(Instant.FromUtc(2026, 10, 1, 0, 0)));
        Assert.That(period.End, Is.EqualTo(Instant.FromUtc(2027, 1, 1, 0, 0)));
    }

    [Test]
    public void PeriodAt_AnchoredMonth_RepeatsFromAnchorTime()
    {
        var window = new CalendarWindow(CalendarUnit.Month, 1, DateTimeZone.Utc, new LocalDateTime(2024, 1, 21, 12, 30));
        Assert.Multiple(() =>
        {
            Assert.That(window.PeriodAt(Instant.FromUtc(2026, 11, 24, 0, 0)).Start, Is.EqualTo(Instant.FromUtc(2026, 11, 21, 12, 30)));
            Assert.That(window.PeriodAt(Instant.FromUtc(2026, 11, 21, 12, 29)).Start, Is.EqualTo(Instant.FromUtc(2026, 10, 21, 12, 30)));
            Assert.That(window.PeriodAt(Instant.FromUtc(2020, 3, 1, 0, 0)).Start, Is.EqualTo(Instant.FromUtc(2020, 2, 21, 12, 30)));
        });
    }

    [Test]
    public void Length_NamedPeriods_AreReadable() =>
        Assert.That(new[] { CalendarWindow.Week(Berlin).Length, CalendarWindow.Month(Berlin).Length, CalendarWindow.Quarter(Berlin).Length },
            Is.EqualTo(new[] { "week", "month", "quarter" }));

    [Test]
    public void Constructor_ZeroCount_Throws() =>
        Assert.That(() => new CalendarWindow(CalendarUnit.Month, 0, Berlin),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("count"));
}

[TestFixture]
public class RollingWindowTests
{
    [Test]
    public void ElapsedAt_ThirtyDays_EndsAtInstant()
    {
        var at = Instant.FromUtc(2026, 11, 24, 8, 0);
        var interval = new RollingWindow(Duration.FromDays(30)).ElapsedAt(at);
        Assert.That(interval.Start, Is.EqualTo(Instant.FromUtc(2026, 10, 25, 8, 0)));
        Assert.That(interval.End, Is.EqualTo(at));
    }

    [Test]
    public void Constructor_ZeroLength_Throws() =>
        Assert.That(() => new RollingWindow(Duration.Zero), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("length"));

    [Test]
    public void Length_ThirtyDays_IsPrometheusText() =>
        Assert.That(new RollingWindow(Duration.FromDays(30)).Length, Is.EqualTo("30d"));
}
