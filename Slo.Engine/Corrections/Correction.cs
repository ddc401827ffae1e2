using Ical.Net.CalendarComponents;
using CalDateTime = Ical.Net.DataTypes.CalDateTime;
using RecurrencePattern = Ical.Net.DataTypes.RecurrencePattern;
using Ical.Net;
using NodaTime.Text;
using Slo.Engine.Definitions;

namespace Slo.Engine.Corrections;

/// <summary>
/// A period whose events count neither as good nor as bad: a planned maintenance, a known bad deploy. Once, or again
/// and again by an RFC 5545 recurrence rule, always in local time of <see cref="Zone"/>: an occurrence covers the
/// local hours from its start to start + <see cref="Length"/>, whatever the offset does in between (a 02:00-04:00
/// maintenance on the night clocks go forward excludes the one hour that exists between those local times).
/// </summary>
public sealed record Correction
{
    /// <summary>Stable identity: <c>definitions:SERVICE/NAME</c> for a definition, the store's id for one posted to the API.</summary>
    public required string Id { get; init; }

    public required string Service { get; init; }

    /// <summary>The objectives (names within the service) it covers; empty covers every objective of the service.</summary>
    public IReadOnlyList<string> Objectives { get; init; } = [];

    /// <summary>The local start of the (first) occurrence.</summary>
    public required LocalDateTime Start { get; init; }

    /// <summary>Local time from each start to its end.</summary>
    public required Period Length { get; init; }

    public required DateTimeZone Zone { get; init; }

    /// <summary>An RFC 5545 RRULE value (without the <c>RRULE:</c> prefix); null for a single period.</summary>
    public string? Recurrence { get; init; }

    public string? Name { get; init; }
    public string Reason { get; init; } = "";
    public string? CreatedBy { get; init; }
    public Instant? CreatedAt { get; init; }

    /// <summary>Where a correction of the definitions was written; null for one posted to the API.</summary>
    public SourceLocation? DefinedAt { get; init; }

    public bool AppliesTo(ObjectiveId id) => id.Service == Service && (Objectives.Count == 0 || Objectives.Contains(id.Name, StringComparer.Ordinal));

    /// <summary>The first instant covered.</summary>
    public Instant FirstStart => Start.InZoneLeniently(Zone).ToInstant();

    /// <summary>Why <paramref name="rrule"/> is not a recurrence rule this service can expand, or null when it is.</summary>
    public static string? CheckRecurrence(string rrule)
    {
        if (rrule.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase))
            return "give the rule's value without the 'RRULE:' prefix, e.g. FREQ=WEEKLY;BYDAY=SU";
        try
        {
            var pattern = new RecurrencePattern(rrule);
            if (pattern.Frequency is Ical.Net.FrequencyType.Secondly or Ical.Net.FrequencyType.Minutely)
                return "a correction recurs at most hourly (FREQ=SECONDLY and FREQ=MINUTELY are not supported)";
            return null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return $"not an RFC 5545 recurrence rule: {e.Message}";
        }
    }

    /// <summary>Every occurrence that overlaps [<paramref name="from"/>, <paramref name="to"/>), in order.</summary>
    public IEnumerable<Interval> Occurrences(Instant from, Instant to)
    {
        if (to <= from)
            yield break;
        if (Recurrence is null)
        {
            var single = Cover(Start);
            if (single.Start < to && single.End > from)
                yield return single;
            yield break;
        }

        // The rule runs on floating local times (RFC 5545 recurrence is wall-clock arithmetic); each local start is then
        // placed in the zone. Occurrences that start up to one length (and a day of offset) before `from` may reach into it.
        var ev = new CalendarEvent { DtStart = Floating(Start), RecurrenceRule = new RecurrencePattern(Recurrence) };
        var localFrom = from.InZone(Zone).LocalDateTime.Minus(Length).PlusDays(-1);
        var localTo = to.InZone(Zone).LocalDateTime.PlusDays(1);
        foreach (var occurrence in ev.GetOccurrences(Floating(localFrom)).TakeWhileBefore(Floating(localTo)))
        {
            var value = occurrence.Period.StartTime.Value;
            var interval = Cover(LocalDateTime.FromDateTime(value));
            if (interval.Start >= to)
                yield break;
            if (interval.End > from)
                yield return interval;
        }
    }

    /// <summary>A readable summary for messages and pages, e.g. "every FREQ=WEEKLY;BYDAY=SU from 2026-01-04T02:00 for 2h (Europe/Berlin)".</summary>
    public override string ToString()
    {
        var start = LocalDateTimePattern.GeneralIso.Format(Start);
        var length = PeriodPattern.NormalizingIso.Format(Length);
        return Recurrence is null
            ? $"{start} for {length} ({Zone.Id})"
            : $"{Recurrence} from {start} for {length} ({Zone.Id})";
    }

    private Interval Cover(LocalDateTime start)
    {
        var from = start.InZoneLeniently(Zone).ToInstant();
        var to = (start + Length).InZoneLeniently(Zone).ToInstant();
        return new Interval(from, Instant.Max(from, to));
    }

    private static CalDateTime Floating(LocalDateTime t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, null);
}
