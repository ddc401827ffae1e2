using System.Globalization;
using System.Text;

namespace Slo.Engine.Time;

/// <summary>
/// Prometheus-style duration text: one or more <c>&lt;integer&gt;&lt;unit&gt;</c> parts, largest unit first,
/// with units <c>ms s m h d w</c> (for example <c>30d</c>, <c>1h30m</c>, <c>300ms</c>).
/// <c>m</c> is always minutes; months and years have no fixed length and are not durations.
/// </summary>
public static class DurationText
{
    private static readonly (string Unit, Duration Size)[] Units =
    [
        ("w", Duration.FromDays(7)),
        ("d", Duration.FromDays(1)),
        ("h", Duration.FromHours(1)),
        ("m", Duration.FromMinutes(1)),
        ("s", Duration.FromSeconds(1)),
        ("ms", Duration.FromMilliseconds(1)),
    ];

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why in a sentence.</summary>
    public static bool TryParse(string? text, out Duration duration, out string error)
    {
        duration = Duration.Zero;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a duration is required, e.g. 30d, 1h or 300ms";
            return false;
        }

        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            error = $"'{text}' is a bare number, not a duration: give a unit, e.g. 300ms, 1s or 5m";
            return false;
        }

        var i = 0;
        var lastRank = -1;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == start)
            {
                error = $"'{text}' is not a duration: expected a whole number before each unit, e.g. 30d, 1h30m or 300ms";
                return false;
            }

            if (!long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 1_000_000)
            {
                error = $"'{text}' is too large a duration";
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            var unit = s[unitStart..i];
            var rank = Array.FindIndex(Units, u => u.Unit == unit);
            if (rank < 0)
            {
                error = unit switch
                {
                    "" => $"'{text}' has no unit: write e.g. {amount}s or {amount}m",
                    "M" => $"'{text}' is ambiguous: 'M' means months, which have no fixed length; use days (e.g. 30d) or a calendar window",
                    "y" or "Y" => $"'{text}' is ambiguous: years have no fixed length; use days (e.g. 365d) or a calendar window",
                    _ => $"'{text}' has an unknown unit '{unit}': use ms, s, m (minutes), h, d or w",
                };
                return false;
            }

            if (rank <= lastRank)
            {
                error = $"'{text}' repeats a unit or puts a larger unit after a smaller one";
                return false;
            }

            lastRank = rank;
            duration += Units[rank].Size * amount;
        }

        if (duration <= Duration.Zero)
        {
            error = $"'{text}' must be longer than zero";
            return false;
        }

        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for trusted text such as constants and tests.</summary>
    public static Duration Parse(string text) =>
        TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    /// <summary>The shortest Prometheus form: <c>30d</c>, <c>1h30m</c>, <c>300ms</c>. Weeks are written as days.</summary>
    public static string Format(Duration duration)
    {
        if (duration <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "Only positive durations have a text form.");

        var sb = new StringBuilder();
        var rest = duration;
        foreach (var (unit, size) in Units.Skip(1))
        {
            var amount = rest.BclCompatibleTicks / size.BclCompatibleTicks;
            if (amount > 0)
            {
                sb.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
                rest -= size * amount;
            }
        }

        if (rest > Duration.Zero)
            throw new ArgumentException($"{duration} is finer than a millisecond.", nameof(duration));
        return sb.ToString();
    }
}
