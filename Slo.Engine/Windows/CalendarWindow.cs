namespace Slo.Engine.Windows;

/// <summary>The calendar unit a <see cref="CalendarWindow"/> steps by.</summary>
public enum CalendarUnit
{
    Day,
    Week,
    Month,
}

/// <summary>
/// A window aligned to the calendar of a time zone: it starts at the beginning of the current period
/// (this ISO week, this month, this quarter ...) and ends at the evaluation instant. Periods are counted
/// in local time from an anchor, so a month in Europe/Berlin starts at local midnight whether that is
/// 22:00Z or 23:00Z, and a day lost or doubled by a DST change stays inside the period it belongs to.
/// </summary>
public sealed class CalendarWindow : SloWindow
{
    /// <summary>A Monday at midnight: the anchor of ISO weeks.</summary>
    private static readonly LocalDateTime DefaultAnchor = new(2001, 1, 1, 0, 0);

    /// <param name="unit">What a period is counted in.</param>
    /// <param name="count">How many units one period holds (3 months for a quarter).</param>
    /// <param name="zone">The zone whose calendar the periods follow.</param>
    /// <param name="anchor">The local start of some period; periods repeat from it every <paramref name="count"/> units,
    /// backwards and forwards. Defaults to Monday 2001-01-01 00:00, which aligns weeks, months, quarters and years.</param>
    public CalendarWindow(CalendarUnit unit, int count, DateTimeZone zone, LocalDateTime? anchor = null)
    {
        if (!Enum.IsDefined(unit))
            throw new ArgumentOutOfRangeException(nameof(unit), unit, null);
        if (count is < 1 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(count), count, "A calendar window holds between 1 and 1000 units.");
        ArgumentNullException.ThrowIfNull(zone);
        Unit = unit;
        Count = count;
        Zone = zone;
        Anchor = anchor ?? DefaultAnchor;
    }

    public static CalendarWindow Week(DateTimeZone zone) => new(CalendarUnit.Week, 1, zone);

    public static CalendarWindow Month(DateTimeZone zone) => new(CalendarUnit.Month, 1, zone);

    public static CalendarWindow Quarter(DateTimeZone zone) => new(CalendarUnit.Month, 3, zone);

    public CalendarUnit Unit { get; }
    public int Count { get; }
    public DateTimeZone Zone { get; }
    public LocalDateTime Anchor { get; }

    public override string Kind => "calendar";

    public override string Length => (Unit, Count) switch
    {
        (CalendarUnit.Week, 1) => "week",
        (CalendarUnit.Month, 1) => "month",
        (CalendarUnit.Month, 3) => "quarter",
        (CalendarUnit.Month, 12) => "year",
        (CalendarUnit.Day, var n) => $"{n}d",
        (CalendarUnit.Week, var n) => $"{n}w",
        (_, var n) => $"{n}M",
    };

    public override Interval ElapsedAt(Instant at) => new(PeriodAt(at).Start, at);

    public override Interval PeriodAt(Instant at)
    {
        var local = at.InZone(Zone).LocalDateTime;
        var k = EstimatePeriodIndex(local);
        // The estimate is off by at most one either way (time of day, short months); settle it exactly.
        while (StartOf(k) > local) k--;
        while (StartOf(k + 1) <= local) k++;
        return new Interval(ToInstant(StartOf(k)), ToInstant(StartOf(k + 1)));
    }

    private long EstimatePeriodIndex(LocalDateTime local)
    {
        long units = Unit switch
        {
            CalendarUnit.Month => (local.Year - Anchor.Year) * 12L + (local.Month - Anchor.Month),
            CalendarUnit.Week => Period.Between(Anchor.Date, local.Date, PeriodUnits.Days).Days / 7,
            _ => Period.Between(Anchor.Date, local.Date, PeriodUnits.Days).Days,
        };
        return (long)Math.Floor(units / (double)Count);
    }

    private LocalDateTime StartOf(long index)
    {
        var steps = checked((int)(index * Count));
        return Unit switch
        {
            CalendarUnit.Month => Anchor.PlusMonths(steps),
            CalendarUnit.Week => Anchor.PlusWeeks(steps),
            _ => Anchor.PlusDays(steps),
        };
    }

    private Instant ToInstant(LocalDateTime start) =>
        // Midnight can be skipped by a DST change (e.g. America/Santiago): then the day starts at the first
        // instant that exists, which AtStartOfDayInZone finds. Other times fall back to the lenient mapping.
        start.TimeOfDay == LocalTime.Midnight
            ? start.Date.AtStartOfDayInZone(Zone).ToInstant()
            : start.InZoneLeniently(Zone).ToInstant();

    public override string ToString() => $"calendar {Length} in {Zone.Id}";
}
