using NodaTime.Text;

namespace Slo.Api.Api;

/// <summary>Reads instants from query strings: ISO-8601 in UTC (2026-11-24T08:00:00Z) or with an offset, between
/// <see cref="Earliest"/> and <see cref="Latest"/>: windows reach years back from an instant and calendars step by
/// months, so instants near the ends of the calendar would overflow that arithmetic rather than mean anything.</summary>
public static class InstantQuery
{
    public static readonly Instant Earliest = Instant.FromUtc(1970, 1, 1, 0, 0);
    public static readonly Instant Latest = Instant.FromUtc(3000, 1, 1, 0, 0);

    private static readonly IPattern<Instant>[] Patterns =
    [
        InstantPattern.ExtendedIso,
    ];

    public static bool TryParse(string? text, out Instant instant)
    {
        instant = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        foreach (var pattern in Patterns)
        {
            var result = pattern.Parse(text);
            if (result.Success)
            {
                instant = result.Value;
                return InRange(instant);
            }
        }

        var offset = OffsetDateTimePattern.ExtendedIso.Parse(text);
        if (offset.Success)
        {
            instant = offset.Value.ToInstant();
            return InRange(instant);
        }

        return false;
    }

    public static string Describe(string name) =>
        $"'{name}' must be an ISO-8601 instant such as 2026-11-24T08:00:00Z (or with an offset, 2026-11-24T09:00:00+01:00), from 1970 to before 3000";

    private static bool InRange(Instant instant) => instant >= Earliest && instant < Latest;
}
