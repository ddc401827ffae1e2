using NodaTime.Text;

namespace Slo.Api.Api;

/// <summary>Reads instants from query strings: ISO-8601 in UTC (2026-11-24T08:00:00Z) or with an offset.</summary>
public static class InstantQuery
{
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
                return true;
            }
        }

        var offset = OffsetDateTimePattern.ExtendedIso.Parse(text);
        if (offset.Success)
        {
            instant = offset.Value.ToInstant();
            return true;
        }

        return false;
    }

    public static string Describe(string name) =>
        $"'{name}' must be an ISO-8601 instant such as 2026-11-24T08:00:00Z (or with an offset, 2026-11-24T09:00:00+01:00)";
}
